using EchoServers.Linux;

namespace EchoServers.Load.Engine;

/// <summary>
/// Churn (closed model) on one I/O thread: closes its own connections after <c>--messages-per-connection</c> replies
/// or <c>--connection-lifetime</c>, and reopens failed ones with <c>--reconnect</c>, in the same slot. Connects go
/// through <see cref="TcpConnect"/> like the connect phase's, and complete as EPOLLOUT in this thread's own epoll
/// wait, so a slow or refusing server never stalls it; nothing is allocated per message or per connect (the
/// sockaddrs are built once per run, the <see cref="LoadConnection"/> is reused).
/// </summary>
internal sealed class LoopChurn
{
    private readonly IoLoop _loop;
    private readonly RunContext _run;

    public LoopChurn(IoLoop loop)
    {
        _loop = loop;
        _run = loop.Run;
    }

    /// <summary>A planned close: the connection did its share; a new one takes its slot at once (until the load stops).</summary>
    public void Recycle(LoadConnection connection, long now)
    {
        connection.Dead = true;
        Close(connection);
        if (now < _run.SendStopTs)
        {
            Open(connection, now);
        }
    }

    /// <summary>After a failure counted by <see cref="IoLoop.Fail"/>: close, and with --reconnect reopen after the back-off.</summary>
    public void AfterFailure(LoadConnection connection, long now)
    {
        Close(connection);
        ScheduleRetry(connection, now);
    }

    /// <summary>A connect that did not become a working connection (refused, reset, timed out, no port).</summary>
    public void ConnectFailed(LoadConnection connection, ConnectFailure cause, long now)
    {
        _loop.Counters.CountConnectFailure(cause);
        connection.Dead = true;
        connection.Connecting = false;
        Close(connection);
        ScheduleRetry(connection, now);
    }

    /// <summary>EPOLLOUT/EPOLLERR on a connecting slot: established, or failed with SO_ERROR's cause.</summary>
    public void OnConnectEvent(LoadConnection connection, long now)
    {
        var error = TcpConnect.Result(connection.Fd);
        if (error != 0)
        {
            ConnectFailed(connection, ConnectFailures.FromErrno(error), now);
            return;
        }

        connection.Connecting = false;
        connection.EstablishedTs = now;
        TcpConnect.RecordEstablished(_loop.ConnectLatency, connection.ConnectStartTs, now);
        _loop.Counters.Connects++;
        if (_run.IsMeasured(now))
        {
            _loop.Counters.MeasuredConnects++;
        }

        ChurnRules.ArmLifetime(_run, connection, now);
        _loop.Watch(connection, writable: false);
        connection.Started = true;
        connection.Dead = false;
        if (now >= _run.SendStopTs)
        {
            Recycle(connection, now);
            return;
        }

        _loop.Sender.Begin(connection, now);
    }

    /// <summary>Every 10 ms: connect timeouts, due reconnects, and connections whose lifetime ended while idle.</summary>
    public void Housekeeping(long now)
    {
        foreach (var connection in _loop.Connections)
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
                    _loop.Counters.Reconnects++;
                    Open(connection, now);
                }

                continue;
            }

            if (!connection.Dead && connection.RetireAtTs != 0 && now >= connection.RetireAtTs && ChurnRules.DoneWithConnection(_run, connection, now))
            {
                Recycle(connection, now);
            }
        }
    }

    /// <summary>Closes every descriptor still open at the end of the run.</summary>
    public void CloseAll()
    {
        foreach (var connection in _loop.Connections)
        {
            if (connection.Fd >= 0)
            {
                TcpConnect.Close(connection.Fd);
                connection.Fd = -1;
            }
        }
    }

    private void ScheduleRetry(LoadConnection connection, long now)
    {
        if (!_run.Reconnect || now >= _run.SendStopTs || connection.RetryAtTs != 0)
        {
            return;
        }

        connection.RetryAtTs = now + ChurnRules.NextBackoffTicks(_run, connection);
    }

    private void Close(LoadConnection connection)
    {
        if (connection.Fd < 0)
        {
            return;
        }

        _ = EpollEvent.Control(_loop.Epoll, LinuxConstants.EpollCtlDel, connection.Fd, 0, 0);
        TcpConnect.Close(connection.Fd);
        connection.Fd = -1;
    }

    /// <summary>Starts a non-blocking connect in this slot; completion (or failure) arrives as EPOLLOUT/EPOLLERR.</summary>
    private void Open(LoadConnection connection, long now)
    {
        connection.ResetForNewConnection();
        connection.ConnectStartTs = now;
        var errno = TcpConnect.Begin(_run.TargetAddress, _run.SourceFor(connection.Index), out var fd);
        if (errno != 0)
        {
            ConnectFailed(connection, ConnectFailures.FromErrno(errno), now);
            return;
        }

        connection.Fd = fd;
        connection.Connecting = true;
        var control = EpollEvent.Control(_loop.Epoll, LinuxConstants.EpollCtlAdd, fd, LinuxConstants.EpollOut | LinuxConstants.EpollRdHup, (ulong)connection.Slot);
        if (control != 0)
        {
            throw Errno.ToSocketException(control, "epoll_ctl(ADD)");
        }
    }
}
