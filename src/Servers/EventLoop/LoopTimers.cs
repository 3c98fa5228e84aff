using EchoServers.Servers.Connections;
using EchoServers.Servers.Epoll;

namespace EchoServers.Servers.EventLoop;

/// <summary>
/// Time on one loop: epoll_wait's timeout is the next deadline (deferred replies, the idle/frame/linger scan, an
/// accept pause, the drain), so there are no timer threads and no timer objects per connection. Also the stop: drain,
/// then close what is owed, then reset who still hangs on.
/// </summary>
internal sealed class LoopTimers
{
    private readonly int _index;
    private readonly LoopSettings _settings;
    private readonly LoopConnections _connections;
    private readonly ConnectionIo _io;
    private readonly ConnectionWriter _writer;
    private readonly LoopAcceptor _acceptor;
    private long _nextScan;
    private long _drainDeadline;
    private long _abortDeadline;

    public LoopTimers(int index, LoopSettings settings, LoopConnections connections, ConnectionIo io, ConnectionWriter writer, LoopAcceptor acceptor)
    {
        _writer = writer;
        _index = index;
        _settings = settings;
        _connections = connections;
        _io = io;
        _acceptor = acceptor;
    }

    /// <summary>Stop was asked for: not accepting; the loop ends once no connection is left.</summary>
    public bool Stopping { get; private set; }

    public void Start(long now) => _nextScan = now + _settings.ScanTicks;

    public int NextTimeoutMs()
    {
        var next = _io.NextDeferred;
        if (_connections.Open > 0 && (_settings.HasDeadlines || _connections.Lingering > 0))
        {
            next = Math.Min(next, _nextScan);
        }

        if (_acceptor.ResumeAt != 0)
        {
            next = Math.Min(next, _acceptor.ResumeAt);
        }

        if (Stopping)
        {
            next = Math.Min(next, _connections.DrainExpired ? _abortDeadline : _drainDeadline);
        }

        return LoopClock.TimeoutMs(next);
    }

    public void Run()
    {
        var now = _connections.Now;
        _io.RunDeferred(now);
        if (_acceptor.ResumeAt != 0 && now >= _acceptor.ResumeAt)
        {
            _acceptor.Resume();
        }

        if (now >= _nextScan)
        {
            _nextScan = now + _settings.ScanTicks;
            if (_settings.HasDeadlines || _connections.Lingering > 0)
            {
                Scan(now);
            }
        }

        if (Stopping)
        {
            if (!_connections.DrainExpired && now >= _drainDeadline)
            {
                ExpireDrain();
            }
            else if (_connections.DrainExpired && now >= _abortDeadline && _connections.Open > 0)
            {
                EventLoopLog.Aborting(_settings.Logger, _index, _connections.Open);
                _connections.AbortAll(count: true);
            }
        }
    }

    /// <summary>Send, idle, frame and linger deadlines: a coarse scan (every quarter of the idle timeout, at most once a second), O(open connections).</summary>
    private void Scan(long now)
    {
        for (var i = 0; i < _connections.SlotCount; i++)
        {
            if (_connections.LiveAt(i) is not { Deferred: false } c)
            {
                continue;
            }

            if (c.Lingering)
            {
                if (now >= c.LingerDeadline)
                {
                    _connections.Close(c);
                }

                continue;
            }

            if (_settings.SendTicks > 0 && c.SendBlockedSince != 0 && now - c.SendBlockedSince >= _settings.SendTicks)
            {
                // Replies wait and the peer has taken none of them for --send-timeout: it holds a slot and memory for nothing.
                _settings.Events.Report(ConnectionEvent.SendTimeout);
                _connections.Abort(c);
                continue;
            }

            var idle = _settings.IdleTicks > 0 && now - c.LastActivity >= _settings.IdleTicks;
            var slowFrame = _settings.FrameTicks > 0 && c.FrameStartedAt != 0 && now - c.FrameStartedAt >= _settings.FrameTicks;
            if (idle || slowFrame)
            {
                // Counted like the session's idle and frame timeouts in the other models.
                _settings.Events.Report(ConnectionEvent.IdleTimeout);

                // A silent peer that does not even take its replies is reset; otherwise it gets a FIN.
                if (c.HasPendingOutput)
                {
                    _connections.Abort(c);
                }
                else
                {
                    _connections.FinishClose(c);
                }
            }
        }
    }

    /// <summary>Stop accepting; serve open connections until <paramref name="drainDeadline"/> (<see cref="LoopClock"/> ticks).</summary>
    public void BeginStop(long drainDeadline)
    {
        Stopping = true;
        _acceptor.Close();
        _drainDeadline = drainDeadline;
        if (_connections.Now >= drainDeadline)
        {
            ExpireDrain();
        }
    }

    /// <summary>Reset every connection now and end.</summary>
    public void Abort()
    {
        Stopping = true;
        _acceptor.Close();
        _connections.AbortAll(count: true);
    }

    /// <summary>The drain timeout passed: stop reading everyone, send what is owed, close; reset whoever still hangs on later.</summary>
    private void ExpireDrain()
    {
        _connections.DrainExpired = true;
        _abortDeadline = _connections.Now + LoopSettings.AbortGraceTicks;
        if (_connections.Open > 0)
        {
            EventLoopLog.DrainTimeout(_settings.Logger, _connections.Open);
        }

        for (var i = 0; i < _connections.SlotCount; i++)
        {
            if (_connections.LiveAt(i) is not { } c)
            {
                continue;
            }

            if (c.Lingering)
            {
                _connections.Close(c);
                continue;
            }

            c.Deferred = false;
            c.CloseAfterFlush = true;
            c.InStart = c.InEnd = 0;
            _writer.OnWritable(c);
        }
    }
}
