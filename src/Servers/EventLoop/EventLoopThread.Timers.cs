using System.Diagnostics;
using EchoServers.Servers.Connections;

namespace EchoServers.Servers.EventLoop;

/// <summary>
/// Time on the loop: epoll_wait's timeout is the next deadline (deferred replies, idle scan, accept pause, drain),
/// so there are no timer threads and no timer objects per connection.
/// </summary>
internal sealed partial class EventLoopThread
{
    private int NextTimeoutMs()
    {
        var next = long.MaxValue;
        if (_deferred.TryPeek(out _, out var due))
        {
            next = due;
        }

        if (_open > 0 && (_settings.HasDeadlines || _lingering > 0))
        {
            next = Math.Min(next, _nextScan);
        }

        if (_acceptResumeAt != 0)
        {
            next = Math.Min(next, _acceptResumeAt);
        }

        if (_stopping)
        {
            next = Math.Min(next, _drainExpired ? _abortDeadline : _drainDeadline);
        }

        if (next == long.MaxValue)
        {
            return -1;
        }

        var remaining = next - Stopwatch.GetTimestamp();
        if (remaining <= 0)
        {
            return 0;
        }

        // Round up: waking a little late is fine, waking early just spins once more.
        var ms = (remaining * 1000 + Stopwatch.Frequency - 1) / Stopwatch.Frequency;
        return (int)Math.Min(ms, int.MaxValue);
    }

    private void RunTimers()
    {
        while (_deferred.TryPeek(out var token, out var due) && due <= _now)
        {
            _deferred.Dequeue();
            var c = _slots[Connection.SlotOf(token)];
            if (c.IsOpen && c.Generation == Connection.GenerationOf(token) && c.Deferred)
            {
                c.Deferred = false;
                OnWritable(c);
            }
        }

        if (_acceptResumeAt != 0 && _now >= _acceptResumeAt)
        {
            ResumeAccepting();
        }

        if (_now >= _nextScan)
        {
            _nextScan = _now + _settings.ScanTicks;
            if (_settings.HasDeadlines || _lingering > 0)
            {
                Scan();
            }
        }

        if (_stopping)
        {
            if (!_drainExpired && _now >= _drainDeadline)
            {
                ExpireDrain();
            }
            else if (_drainExpired && _now >= _abortDeadline && _open > 0)
            {
                EventLoopLog.Aborting(_settings.Logger, _index, _open);
                AbortAll();
            }
        }
    }

    /// <summary>Idle, frame and linger deadlines: a coarse scan (every quarter of the idle timeout, at most once a second), O(open connections).</summary>
    private void Scan()
    {
        for (var i = 0; i < _slotCount; i++)
        {
            var c = _slots[i];
            if (!c.IsOpen || c.Deferred)
            {
                continue;
            }

            if (c.Lingering)
            {
                if (_now >= c.LingerDeadline)
                {
                    Close(c);
                }

                continue;
            }

            var idle = _settings.IdleTicks > 0 && _now - c.LastActivity >= _settings.IdleTicks;
            var slowFrame = _settings.FrameTicks > 0 && c.FrameStartedAt != 0 && _now - c.FrameStartedAt >= _settings.FrameTicks;
            if (idle || slowFrame)
            {
                // Counted like the session's idle and frame timeouts in the other models.
                _settings.Events.Report(ConnectionEvent.IdleTimeout);

                // A silent peer that does not even take its replies is reset; otherwise it gets a FIN.
                if (c.HasPendingOutput)
                {
                    Abort(c);
                }
                else
                {
                    FinishClose(c);
                }
            }
        }
    }

    private void BeginStop(long drainDeadline)
    {
        _stopping = true;
        CloseListener();
        _drainDeadline = drainDeadline;
        if (_now >= drainDeadline)
        {
            ExpireDrain();
        }
    }

    /// <summary>The drain timeout passed: stop reading everyone, send what is owed, close; reset whoever still hangs on later.</summary>
    private void ExpireDrain()
    {
        _drainExpired = true;
        _abortDeadline = _now + LoopSettings.AbortGraceTicks;
        if (_open > 0)
        {
            EventLoopLog.DrainTimeout(_settings.Logger, _open);
        }

        for (var i = 0; i < _slotCount; i++)
        {
            var c = _slots[i];
            if (!c.IsOpen)
            {
                continue;
            }

            if (c.Lingering)
            {
                Close(c);
                continue;
            }

            c.Deferred = false;
            c.CloseAfterFlush = true;
            c.InStart = c.InEnd = 0;
            OnWritable(c);
        }
    }

    /// <summary>Stop: resets whoever did not close within the drain timeout and its grace; counted like every model.</summary>
    private void AbortAll()
    {
        for (var i = 0; i < _slotCount; i++)
        {
            if (_slots[i] is { IsOpen: true } c)
            {
                _settings.Events.Report(ConnectionEvent.AbortedOnStop);
                Abort(c);
            }
        }
    }
}
