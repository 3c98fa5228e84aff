using System.IO.Pipelines;

namespace EchoServers.Protocol.Session;

/// <summary>
/// Closes a silent or dribbling connection: a timer that, once nothing was read for the idle timeout, or a started
/// frame stayed incomplete for the frame timeout, cancels the pending read and the pending flush (a peer that
/// neither sends nor reads is idle too). One per connection, and only when either timeout is set.
/// </summary>
internal sealed class IdleWatchdog : IDisposable
{
    private readonly IDuplexPipe _transport;
    private readonly long _idleMs;
    private readonly long _frameMs;
    private readonly Timer _timer;
    private long _lastActivityMs;
    private long _frameStartedMs;
    private volatile bool _expired;

    public IdleWatchdog(IDuplexPipe transport, TimeSpan idleTimeout, TimeSpan frameTimeout)
    {
        _transport = transport;
        _idleMs = ToMs(idleTimeout);
        _frameMs = ToMs(frameTimeout);
        _lastActivityMs = Environment.TickCount64;

        // Check four times per (shorter) timeout, at most once a second, so a connection is closed within 125 % of it.
        var shortest = _idleMs == 0 ? _frameMs : _frameMs == 0 ? _idleMs : Math.Min(_idleMs, _frameMs);
        var period = TimeSpan.FromMilliseconds(Math.Clamp(shortest / 4, 1, 1000));
        _timer = new Timer(static state => ((IdleWatchdog)state!).Check(), this, period, period);
    }

    public bool Expired => _expired;

    /// <summary>Creates a watchdog when <paramref name="options"/> set an idle or a frame timeout; null otherwise.</summary>
    public static IdleWatchdog? For(IDuplexPipe transport, ProtocolOptions options) =>
        options.IdleTimeout > TimeSpan.Zero || options.FrameTimeout > TimeSpan.Zero
            ? new IdleWatchdog(transport, options.IdleTimeout, options.FrameTimeout)
            : null;

    public void Touch() => Volatile.Write(ref _lastActivityMs, Environment.TickCount64);

    /// <summary>After parsing a read: an incomplete frame left over starts the frame clock (once); none stops it.</summary>
    public void FramePending(bool pending)
    {
        if (!pending)
        {
            Volatile.Write(ref _frameStartedMs, 0);
        }
        else if (Volatile.Read(ref _frameStartedMs) == 0)
        {
            Volatile.Write(ref _frameStartedMs, Environment.TickCount64);
        }
    }

    private static long ToMs(TimeSpan timeout) => timeout > TimeSpan.Zero ? Math.Max(1, (long)timeout.TotalMilliseconds) : 0;

    private void Check()
    {
        if (_expired)
        {
            return;
        }

        var now = Environment.TickCount64;
        var idle = _idleMs > 0 && now - Volatile.Read(ref _lastActivityMs) >= _idleMs;
        var frameStarted = Volatile.Read(ref _frameStartedMs);
        var slowFrame = _frameMs > 0 && frameStarted != 0 && now - frameStarted >= _frameMs;
        if (!idle && !slowFrame)
        {
            return;
        }

        _expired = true;
        try
        {
            _transport.Input.CancelPendingRead();
            _transport.Output.CancelPendingFlush();
        }
        catch (ObjectDisposedException)
        {
            // Stream-backed pipes (Kestrel's TLS middleware: PipeReader/PipeWriter over SslStream) dispose their
            // cancellation source on completion: the session woke from the first cancel and ended before the second.
            // An exception escaping a timer callback would end the process.
        }
    }

    public void Dispose() => _timer.Dispose();
}
