using System.Diagnostics;
using System.Runtime.InteropServices;
using EchoServers.Linux;
using EchoServers.Load.Measurement;
using HdrHistogram;

namespace EchoServers.Load.Engine;

/// <summary>
/// Churn (closed model): each I/O thread closes its own connections after <c>--messages-per-connection</c> replies or
/// <c>--connection-lifetime</c>, and reopens failed ones with <c>--reconnect</c>, in the same slot. Connects are raw
/// non-blocking syscalls (socket, bind with IP_BIND_ADDRESS_NO_PORT, connect → EINPROGRESS) completed by EPOLLOUT, so
/// a slow or refusing server never stalls this thread, and nothing is allocated per message (nothing per connect
/// either: the sockaddrs are built once per run, the <see cref="LoadConnection"/> is reused).
/// </summary>
internal sealed unsafe partial class IoLoop
{
    private const int IpProtoIp = 0;
    private const int IpBindAddressNoPort = 24;

    /// <summary>Connect start → established of every connect this thread made (churn).</summary>
    public LongHistogram ConnectLatency { get; } = Histograms.Create();

    /// <summary>A planned close: the connection did its share; a new one takes its slot at once (until the load stops).</summary>
    private void Recycle(LoadConnection connection, long now)
    {
        connection.Dead = true;
        CloseSocket(connection);
        if (now < _run.SendStopTs)
        {
            OpenConnection(connection, now);
        }
    }

    /// <summary>After a failure counted by <see cref="Fail"/>: close, and with --reconnect reopen after the back-off.</summary>
    private void AfterFailure(LoadConnection connection, long now)
    {
        CloseSocket(connection);
        ScheduleRetry(connection, now);
    }

    /// <summary>A connect that did not become a working connection (refused, reset, timed out, no port).</summary>
    private void ConnectFailed(LoadConnection connection, ConnectFailure cause, long now)
    {
        Counters.CountConnectFailure(cause);

        connection.Dead = true;
        connection.Connecting = false;
        CloseSocket(connection);
        ScheduleRetry(connection, now);
    }

    private void ScheduleRetry(LoadConnection connection, long now)
    {
        if (!_run.Reconnect || now >= _run.SendStopTs || connection.RetryAtTs != 0)
        {
            return;
        }

        connection.RetryAtTs = now + ChurnRules.NextBackoffTicks(_run, connection);
    }

    private void CloseSocket(LoadConnection connection)
    {
        if (connection.Fd < 0)
        {
            return;
        }

        _ = EpollEvent.Control(_epfd, LinuxConstants.EpollCtlDel, connection.Fd, 0, 0);
        if (connection.Socket is { } socket)
        {
            // The connect thread's socket: its SafeHandle owns the descriptor, so it must be the one to close it.
            connection.Socket = null;
            socket.Dispose();
        }
        else
        {
            _ = LibC.Close(connection.Fd);
        }

        connection.Fd = -1;
    }

    /// <summary>Starts a non-blocking connect in this slot; completion (or failure) arrives as EPOLLOUT/EPOLLERR.</summary>
    private void OpenConnection(LoadConnection connection, long now)
    {
        connection.ResetForNewConnection();
        connection.ConnectStartTs = now;
        var target = _run.TargetAddress;
        var fd = LibC.Socket(target.Family, LinuxConstants.SockStream | LinuxConstants.SockNonBlock | LinuxConstants.SockCloexec, 0);
        if (fd < 0)
        {
            ConnectFailed(connection, ConnectFailures.FromErrno(Marshal.GetLastPInvokeError()), now);
            return;
        }

        connection.Fd = fd;
        var one = 1;
        _ = LibC.SetSockOpt(fd, LinuxConstants.IpProtoTcp, LinuxConstants.TcpNoDelay, &one, sizeof(int));
        if (_run.Sources.Count > 0)
        {
            // Port chosen at connect, not at bind: connect may then reuse a TIME_WAIT port (tcp_tw_reuse) and share
            // ports across destinations, where bind(port 0) would need a port free of every TIME_WAIT.
            _ = LibC.SetSockOpt(fd, IpProtoIp, IpBindAddressNoPort, &one, sizeof(int));
            var source = _run.Sources[Math.Min(connection.Index / _run.PerSource, _run.Sources.Count - 1)];
            fixed (byte* address = source.Bytes)
            {
                if (LibC.Bind(fd, address, (uint)source.Bytes.Length) != 0)
                {
                    ConnectFailed(connection, ConnectFailures.FromErrno(Marshal.GetLastPInvokeError()), now);
                    return;
                }
            }
        }

        int result;
        fixed (byte* address = target.Bytes)
        {
            result = LibC.Connect(fd, address, (uint)target.Bytes.Length);
        }

        var errno = result == 0 ? 0 : Marshal.GetLastPInvokeError();
        if (result != 0 && errno != Errno.EINPROGRESS)
        {
            ConnectFailed(connection, ConnectFailures.FromErrno(errno), now);
            return;
        }

        connection.Connecting = true;
        var control = EpollEvent.Control(_epfd, LinuxConstants.EpollCtlAdd, fd, LinuxConstants.EpollOut | LinuxConstants.EpollRdHup, (ulong)connection.Slot);
        if (control != 0)
        {
            throw Errno.ToSocketException(control, "epoll_ctl(ADD)");
        }
    }

    /// <summary>EPOLLOUT/EPOLLERR on a connecting slot: established, or failed with SO_ERROR's cause.</summary>
    private void OnConnectEvent(LoadConnection connection, long now)
    {
        int error = 0;
        uint length = sizeof(int);
        if (LibC.GetSockOpt(connection.Fd, LinuxConstants.SolSocket, LinuxConstants.SoError, &error, &length) != 0)
        {
            error = Marshal.GetLastPInvokeError();
        }

        if (error != 0)
        {
            ConnectFailed(connection, ConnectFailures.FromErrno(error), now);
            return;
        }

        connection.Connecting = false;
        connection.EstablishedTs = now;
        ConnectLatency.RecordValue(Histograms.Clamp(RunContext.TicksToUs(now - connection.ConnectStartTs)));
        Counters.Connects++;
        if (_run.IsMeasured(now))
        {
            Counters.MeasuredConnects++;
        }

        ChurnRules.ArmLifetime(_run, connection, now);
        _ = EpollEvent.Control(_epfd, LinuxConstants.EpollCtlMod, connection.Fd, LinuxConstants.EpollIn | LinuxConstants.EpollRdHup, (ulong)connection.Slot);
        connection.Started = true;
        connection.Dead = false;
        if (now >= _run.SendStopTs)
        {
            Recycle(connection, now);
            return;
        }

        _activeTarget = _run.ActiveTargetAt(now);
        TopUp(connection, now);
    }

    /// <summary>Every 10 ms: connect timeouts, due reconnects, and connections whose lifetime ended while idle.</summary>
    private void ChurnHousekeeping(long now)
    {
        foreach (var connection in Connections)
        {
            if (connection.Connecting)
            {
                if (now - connection.ConnectStartTs > _run.ConnectTimeoutTicks)
                {
                    ConnectFailed(connection, ConnectFailure.Timeout, now);
                }

                continue;
            }

            if (connection.RetryAtTs != 0 && now >= connection.RetryAtTs)
            {
                connection.RetryAtTs = 0;
                if (now < _run.SendStopTs)
                {
                    Counters.Reconnects++;
                    OpenConnection(connection, now);
                }

                continue;
            }

            if (!connection.Dead && connection.RetireAtTs != 0 && now >= connection.RetireAtTs && ChurnRules.DoneWithConnection(_run, connection, now))
            {
                Recycle(connection, now);
            }
        }
    }

    /// <summary>Closes the descriptors this thread opened (the connect thread's sockets are disposed by the runner).</summary>
    private void CloseOwnSockets()
    {
        foreach (var connection in Connections)
        {
            if (connection.Socket is null && connection.Fd >= 0)
            {
                _ = LibC.Close(connection.Fd);
                connection.Fd = -1;
            }
        }
    }

    /// <summary>Timestamp for failure paths that have none at hand.</summary>
    private static long Now() => Stopwatch.GetTimestamp();
}
