using System.IO.Pipelines;

namespace EchoServers.Protocol.Session;

/// <summary>
/// Closes a silent connection: a timer that, once nothing was read for the idle timeout, cancels the pending
/// read and the pending flush (a peer that neither sends nor reads is idle too). One per connection, and only
/// when an idle timeout is set.
/// </summary>
internal sealed class IdleWatchdog : IDisposable
{
    private readonly IDuplexPipe _transport;
    private readonly long _timeoutMs;
    private readonly Timer _timer;
    private long _lastActivityMs;
    private volatile bool _expired;

    public IdleWatchdog(IDuplexPipe transport, TimeSpan timeout)
    {
        _transport = transport;
        _timeoutMs = Math.Max(1, (long)timeout.TotalMilliseconds);
        _lastActivityMs = Environment.TickCount64;

        // Check four times per timeout (at most once a second), so a connection is closed within 125 % of it.
        var period = TimeSpan.FromMilliseconds(Math.Clamp(_timeoutMs / 4, 1, 1000));
        _timer = new Timer(static state => ((IdleWatchdog)state!).Check(), this, period, period);
    }

    public bool Expired => _expired;

    public void Touch() => Volatile.Write(ref _lastActivityMs, Environment.TickCount64);

    private void Check()
    {
        if (_expired || Environment.TickCount64 - Volatile.Read(ref _lastActivityMs) < _timeoutMs)
        {
            return;
        }

        _expired = true;
        _transport.Input.CancelPendingRead();
        _transport.Output.CancelPendingFlush();
    }

    public void Dispose() => _timer.Dispose();
}
