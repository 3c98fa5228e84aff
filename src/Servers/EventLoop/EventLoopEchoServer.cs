using System.Net;
using System.Runtime.InteropServices;
using EchoServers.Servers.Connections;
using EchoServers.Servers.Epoll;
using EchoServers.Servers.Hosting;
using Microsoft.Extensions.Logging;

namespace EchoServers.Servers.EventLoop;

/// <summary>
/// The event-loop model: <see cref="ServerOptions.Loops"/> dedicated threads, each running Linux epoll over its own
/// SO_REUSEPORT listener and the non-blocking sockets it accepted. See docs/eventloop.md.
/// </summary>
internal sealed class EventLoopEchoServer : IEchoServer
{
    private readonly ServerOptions _options;
    private readonly ServerContext _context;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private EventLoopThread[] _loops = [];
    private IPEndPoint? _localEndPoint;
    private int _state;
    private Task? _stopped;

    public EventLoopEchoServer(ServerOptions options, EchoMetrics metrics, ILoggerFactory loggerFactory)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Loops, 1, nameof(options.Loops));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConnections, 1, nameof(options.MaxConnections));
        _options = options;
        _context = new ServerContext(options, metrics, loggerFactory, "EchoServers.EventLoop");
        _logger = _context.Logger;
    }

    /// <inheritdoc/>
    public IPEndPoint LocalEndPoint => _localEndPoint ?? throw new InvalidOperationException("the server has not been started");

    /// <summary>The loops, for tests (accept counts, allocation sampling).</summary>
    internal IReadOnlyList<EventLoopThread> Loops => _loops;

    /// <summary>Test hook: runs once the loop threads are started, before the start waits for them (to fail or cancel a start there).</summary>
    internal Action? LoopsStartedHook { get; set; }

    /// <inheritdoc/>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException(
                $"the eventloop model needs Linux epoll and this is {RuntimeInformation.OSDescription}; use --model async or kestrel here");
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("the server was already started");
        }

        var listeners = ReusePortListeners.Bind(_options);
        var settings = new LoopSettings(_context);
        var loops = new EventLoopThread[listeners.Length];
        try
        {
            for (var i = 0; i < loops.Length; i++)
            {
                loops[i] = new EventLoopThread(i, listeners[i], settings);
            }
        }
        catch
        {
            foreach (var loop in loops)
            {
                loop?.Dispose();
            }

            foreach (var listener in listeners)
            {
                listener.Dispose();
            }

            throw;
        }

        _loops = loops;
        _localEndPoint = (IPEndPoint)listeners[0].LocalEndPoint!;
        var running = 0;
        try
        {
            foreach (var loop in loops)
            {
                loop.Start();
                running++;
            }

            LoopsStartedHook?.Invoke();
            await Task.WhenAll(loops.Select(l => l.Started)).WaitAsync(cancellationToken);

            // A start cancelled while the loops came up is a failed start, whichever finished first.
            cancellationToken.ThrowIfCancellationRequested();
        }
        catch
        {
            // Nobody will call StopAsync for a start that failed: end the threads and close the listeners here.
            await AbandonAsync(loops, running);
            throw;
        }

        EventLoopLog.Started(_logger, loops.Length, _localEndPoint.ToString());
    }

    /// <summary>Resets whatever the first <paramref name="running"/> loops hold, waits for their threads to end, closes everything.</summary>
    private async Task AbandonAsync(EventLoopThread[] loops, int running)
    {
        Interlocked.Exchange(ref _state, 2);
        for (var i = 0; i < running; i++)
        {
            loops[i].RequestAbort();
        }

        // No token: an aborting loop ends within one epoll wake-up, and returning before it has would leave it running.
        await Task.WhenAll(loops.Take(running).Select(l => l.Completed));
        foreach (var loop in loops)
        {
            loop.Dispose();
        }
    }

    /// <inheritdoc/>
    public Task StopAsync(TimeSpan drainTimeout, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _stopped ??= StopCoreAsync(drainTimeout, cancellationToken);
            return _stopped;
        }
    }

    private async Task StopCoreAsync(TimeSpan drainTimeout, CancellationToken cancellationToken)
    {
        await Task.Yield();
        if (Interlocked.Exchange(ref _state, 2) != 1)
        {
            return;
        }

        var deadline = LoopClock.Now + LoopClock.ToTicks(drainTimeout);
        foreach (var loop in _loops)
        {
            loop.RequestStop(deadline);
        }

        var all = Task.WhenAll(_loops.Select(l => l.Completed));
        try
        {
            await all.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Out of patience: reset whatever is left. The loops exit right after.
            foreach (var loop in _loops)
            {
                loop.RequestAbort();
            }

            await all;
        }

        foreach (var loop in _loops)
        {
            loop.Dispose();
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (Volatile.Read(ref _state) != 0 || Interlocked.CompareExchange(ref _state, 2, 0) != 0)
        {
            await StopAsync(TimeSpan.Zero, CancellationToken.None);
        }

        // Last: flushes the connection event summaries of the loops that have ended.
        _context.Dispose();
    }
}
