using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using EchoServers.Linux;
using EchoServers.Servers.Connections;
using Microsoft.AspNetCore.Connections;

namespace EchoServers.Servers.Transport.Epoll;

/// <summary>
/// The epoll transport's listener: one listening socket, one accept path (<see cref="AcceptAsync"/>), and the loops
/// its connections are dealt to in turn.
/// <para>
/// Why one accept path and not a SO_REUSEPORT listener per loop (as the eventloop model has): Kestrel, and the
/// async model's accept loop, decide when to accept (Kestrel's accept loop runs behind the admission gate of
/// <c>--max-connections</c>); a loop accepting on its own would accept past the gate. Here nothing is accepted until
/// <see cref="AcceptAsync"/> is called, so clients over the limit wait in the kernel backlog. Round-robin also spreads
/// connections evenly where the kernel's REUSEPORT hash may not. Accepting costs a few system calls per connection
/// (accept4, setsockopt, an eventfd write to hand it over), never per message.
/// </para>
/// </summary>
internal sealed class EpollConnectionListener : IConnectionListener
{
    private static readonly TimeSpan ExhaustedRetry = TimeSpan.FromMilliseconds(50);

    private readonly Socket _listener;
    private readonly EpollLoop[] _loops;
    private readonly EpollTransportOptions _options;
    private readonly Lock _gate = new();
    private TaskCompletionSource<bool>? _acceptable;
    private bool _watching;
    private int _next;
    private volatile bool _unbound;
    private int _disposed;
    private long _exhaustedLoggedMs = -1_000_000; // long before any TickCount64: the first failure is logged
    private int _exhaustedUnlogged;

    public EpollConnectionListener(IPEndPoint endPoint, EpollTransportOptions options)
    {
        _options = options;
        _listener = ListenSocket.Create(endPoint, options.Backlog, options.ReusePort);
        _listener.Blocking = false;
        EndPoint = _listener.LocalEndPoint!;
        _loops = new EpollLoop[options.Loops];
        try
        {
            for (var i = 0; i < _loops.Length; i++)
            {
                _loops[i] = new EpollLoop(i, options);
            }
        }
        catch
        {
            foreach (var loop in _loops)
            {
                loop?.Dispose();
            }

            _listener.Dispose();
            throw;
        }
    }

    public EndPoint EndPoint { get; }

    /// <summary>The loops (tests: spread of connections, open counts).</summary>
    internal IReadOnlyList<EpollLoop> Loops => _loops;

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        while (!_unbound)
        {
            var fd = TryAccept(out var errno, out var remote);
            if (fd >= 0)
            {
                return Hand(fd, remote);
            }

            switch (errno)
            {
                case Errno.EAGAIN:
                    if (!await WaitAcceptableAsync(cancellationToken))
                    {
                        return null;
                    }

                    break;
                case var _ when Errno.IsTransientAccept(errno):
                    // That pending connection failed before it was accepted; the listener is fine. Take the next.
                    if (errno != Errno.EINTR)
                    {
                        EpollTransportLog.AcceptedConnectionFailed(_options.Logger, errno);
                    }

                    break;
                case var _ when Errno.IsListenerGone(errno):
                    if (_unbound)
                    {
                        return null;
                    }

                    throw Errno.ToSocketException(errno, "accept4");
                default:
                    // Out of descriptors or memory (or an errno nobody expected): the connection stays in the backlog
                    // and retrying at once would spin on the same error.
                    LogExhausted(errno);
                    await Task.Delay(ExhaustedRetry, cancellationToken);
                    break;
            }
        }

        return null;
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        _unbound = true;
        lock (_gate)
        {
            _acceptable?.TrySetResult(false);
        }

        // Closing the listener takes it out of the loop's epoll set; an accept4 in flight holds a reference to it.
        _listener.Dispose();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await UnbindAsync();
        foreach (var loop in _loops)
        {
            loop.Stop();
        }

        await Task.WhenAll(_loops.Select(l => l.Completed)).WaitAsync(TimeSpan.FromSeconds(10));
        foreach (var loop in _loops)
        {
            loop.Dispose();
        }
    }

    private unsafe int TryAccept(out int errno, out EndPoint? remote)
    {
        remote = null;
        var added = false;
        var handle = _listener.SafeHandle;
        try
        {
            handle.DangerousAddRef(ref added);
            errno = _options.Hooks?.AcceptErrno?.Invoke() ?? 0;
            if (errno != 0)
            {
                return -1;
            }

            var address = stackalloc byte[128];
            uint length = 128;
            var fd = LibC.Accept4((int)handle.DangerousGetHandle(), address, &length, LinuxConstants.SockNonBlock | LinuxConstants.SockCloexec);
            if (fd < 0)
            {
                errno = Marshal.GetLastPInvokeError();
                return -1;
            }

            errno = 0;
            var one = 1;
            LibC.SetSockOpt(fd, LinuxConstants.IpProtoTcp, LinuxConstants.TcpNoDelay, &one, sizeof(int));
            remote = PeerAddress.Parse(new ReadOnlySpan<byte>(address, (int)Math.Min(length, 128u)));
            return fd;
        }
        catch (ObjectDisposedException)
        {
            errno = Errno.EBADF;
            return -1;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>At most one line a second, with how many failures it stands for: a log flood would cost more than the retries.</summary>
    private void LogExhausted(int errno)
    {
        _exhaustedUnlogged++;
        var now = Environment.TickCount64;
        if (now - _exhaustedLoggedMs >= 1000)
        {
            EpollTransportLog.AcceptExhausted(_options.Logger, _exhaustedUnlogged, errno, (int)ExhaustedRetry.TotalMilliseconds);
            _exhaustedLoggedMs = now;
            _exhaustedUnlogged = 0;
        }
    }

    private EpollConnection Hand(int fd, EndPoint? remote)
    {
        var loop = _loops[(uint)Interlocked.Increment(ref _next) % (uint)_loops.Length];
        var connection = new EpollConnection(fd, loop, EndPoint, remote, _options);
        loop.Post(static state => ((EpollConnection)state!).Start(), connection);
        return connection;
    }

    /// <summary>Waits (on loop 0's epoll set, one shot) until a connection is pending; false when unbound.</summary>
    private async ValueTask<bool> WaitAcceptableAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource<bool> acceptable;
        lock (_gate)
        {
            if (_unbound)
            {
                return false;
            }

            acceptable = _acceptable = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            var added = false;
            var handle = _listener.SafeHandle;
            try
            {
                handle.DangerousAddRef(ref added);
                var error = _loops[0].WatchListener((int)handle.DangerousGetHandle(), !_watching, () => acceptable.TrySetResult(true));
                if (error != 0)
                {
                    throw Errno.ToSocketException(error, "epoll_ctl(listener)");
                }

                _watching = true;
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
            finally
            {
                if (added)
                {
                    handle.DangerousRelease();
                }
            }
        }

        using (cancellationToken.UnsafeRegister(static state => ((TaskCompletionSource<bool>)state!).TrySetCanceled(), acceptable))
        {
            return await acceptable.Task;
        }
    }
}
