using System.Diagnostics;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Work;
using EchoServers.Servers.Connections;
using EchoServers.Servers.Epoll;
using EchoServers.Servers.Hosting;
using Microsoft.Extensions.Logging;

namespace EchoServers.Servers.EventLoop;

/// <summary>
/// What every loop of one server shares: options turned into ready-to-use values, and the hosting layer every model
/// uses (<see cref="ServerContext"/>: the limiter, the connection event log and its counters, the refusal line).
/// </summary>
internal sealed class LoopSettings
{
    /// <summary>One read takes at most this much, like the C reference's buffer.</summary>
    public const int ReadSize = 64 * 1024;

    /// <summary>
    /// The smallest buffer a connection rents: a partial frame costs what it holds, not max-frame (2,000 clients each
    /// holding one byte of a frame at --max-frame 16MiB once rented 32 GiB).
    /// </summary>
    public const int MinBufferSize = 4096;

    /// <summary>Accepts per listener readiness event, so a connect storm cannot starve served connections.</summary>
    public const int AcceptBatch = 64;

    public LoopSettings(ServerContext context)
    {
        var options = context.Options;
        Options = options;
        Context = context;
        Metrics = context.Metrics;
        Logger = context.Logger;
        Events = context.Events;
        Limit = context.Limiter;
        Echoer = new InPlaceEchoer(options.Protocol);
        Framing = options.Protocol.Framing;

        // A connection's buffer grows up to this: a partial frame of up to max-frame + prefix/terminator plus room to
        // read the rest of it, and (being at least ReadSize) everything one read into the shared buffer can leave behind.
        MaxBufferSize = Math.Max(ReadSize, options.Protocol.MaxFrame + ProtocolLimits.LengthPrefixSize + ProtocolLimits.MaxLineTerminatorSize + 2);
        var work = options.Protocol.Work;
        IoWorkTicks = !work.IsNone && work.Kind == WorkKind.Io ? ToTicks(work.Duration) : 0;
        IdleTicks = ToTicks(options.Protocol.IdleTimeout);
        FrameTicks = ToTicks(options.Protocol.FrameTimeout);
        SendTicks = ToTicks(options.SendTimeout);
        var shortest = new[] { IdleTicks, FrameTicks, SendTicks }.Where(t => t > 0).DefaultIfEmpty(0).Min();
        ScanTicks = shortest > 0 ? Math.Clamp(shortest / 4, ToTicks(TimeSpan.FromMilliseconds(5)), Stopwatch.Frequency) : Stopwatch.Frequency / 4;
        RejectLine = context.RefusalLine;
    }

    /// <summary>After the drain timeout, connections still owed replies get this long to take them before being reset.</summary>
    public static long AbortGraceTicks { get; } = ToTicks(TimeSpan.FromSeconds(1));

    /// <summary>How long accepting pauses when descriptors or memory run out (instead of spinning on EMFILE).</summary>
    public static TimeSpan AcceptPause { get; } = TimeSpan.FromMilliseconds(50);

    public ServerOptions Options { get; }

    public ServerContext Context { get; }

    public EchoMetrics Metrics { get; }

    public ILogger Logger { get; }

    /// <summary>Resets, idle closes, refusals, protocol errors, failures: counted and logged like every other model.</summary>
    public ConnectionEventLog Events { get; }

    public InPlaceEchoer Echoer { get; }

    public ConnectionLimiter Limit { get; }

    public FramingKind Framing { get; }

    /// <summary>The most a connection's buffer grows to; it starts at what it must hold (at least <see cref="MinBufferSize"/>) and doubles.</summary>
    public int MaxBufferSize { get; }

    /// <summary>Stopwatch ticks each frame's reply is deferred by (io work); 0 = none.</summary>
    public long IoWorkTicks { get; }

    public long IdleTicks { get; }

    /// <summary>A started frame must complete within this many Stopwatch ticks; 0 = no frame deadline.</summary>
    public long FrameTicks { get; }

    /// <summary><c>--send-timeout</c> in Stopwatch ticks: replies that wait this long with none taken reset the connection; 0 = never.</summary>
    public long SendTicks { get; }

    /// <summary>A deadline is set, so the scan must run.</summary>
    public bool HasDeadlines => IdleTicks > 0 || FrameTicks > 0 || SendTicks > 0;

    public long ScanTicks { get; }

    /// <summary>The <c>--max-connections</c> refusal line, the same bytes as every model's (built once).</summary>
    public byte[] RejectLine { get; }

    private static long ToTicks(TimeSpan span) => LoopClock.ToTicks(span);
}
