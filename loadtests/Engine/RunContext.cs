using System.Diagnostics;
using EchoServers.Load.Simulations;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Transforms;

namespace EchoServers.Load.Engine;

/// <summary>What every worker of one run shares: settings and the timeline, as Stopwatch timestamps.</summary>
internal sealed class RunContext
{
    public RunContext(LoadOptions options, LoadProfile profile, long loadStartTs)
    {
        Options = options;
        Profile = profile;
        Framer = new SpanFramer(options.Framing, Math.Max(options.Sizes.Max, 16));
        Overhead = Framer.Overhead;
        Sizes = options.Sizes;
        Expect = options.Expect;
        Pipeline = options.Pipeline;
        IsOpen = profile.IsOpen;
        LoadStartTs = loadStartTs;
        MeasureStartTs = loadStartTs + SecondsToTicks(profile.WarmupSeconds);
        _sendStopTs = loadStartTs + SecondsToTicks(profile.TotalSeconds);
        _drainDeadlineTs = _sendStopTs + SecondsToTicks(options.DrainTimeout.TotalSeconds);
        TimeoutTicks = SecondsToTicks(options.Timeout.TotalSeconds);
        SpinTicks = SecondsToTicks((options.Spin ?? (Environment.ProcessorCount > 1 ? TimeSpan.FromMicroseconds(20) : TimeSpan.Zero)).TotalSeconds);
        MaxWire = Sizes.Max + Overhead;
        CarrySize = CarrySizeOf(Sizes);
        Immediate = options.Start == StartMode.Immediate;
        FirstReplyTimeoutTicks = SecondsToTicks(options.FirstReplyTimeout.TotalSeconds);
        ConnectingDone = !Immediate;
        Churn = options.Churn;
        MessagesPerConnection = options.MessagesPerConnection;
        LifetimeTicks = options.ConnectionLifetime is { } lifetime ? Math.Max(1, SecondsToTicks(lifetime.TotalSeconds)) : 0;
        Reconnect = options.Reconnect;
        BackoffTicks = SecondsToTicks(options.ReconnectBackoff.TotalSeconds);
        ConnectTimeoutTicks = SecondsToTicks(options.ConnectTimeout.TotalSeconds);
        TargetAddress = RawSocketAddress.From(options.Target);
    }

    /// <summary>Connections are closed and opened again by the I/O threads (any churn option).</summary>
    public bool Churn { get; }

    /// <summary>Churn: replies after which a connection is closed and opened again; 0 = never.</summary>
    public int MessagesPerConnection { get; }

    /// <summary>Churn: how long a connection lives once established; 0 = for ever.</summary>
    public long LifetimeTicks { get; }

    /// <summary>Churn: failed connections are reopened after a back-off.</summary>
    public bool Reconnect { get; }

    public long BackoffTicks { get; }

    public long ConnectTimeoutTicks { get; }

    /// <summary>The server, as a sockaddr for the I/O threads' connects.</summary>
    public RawSocketAddress TargetAddress { get; }

    /// <summary>Source addresses to bind (port chosen at connect), as the connect thread spreads them; empty = none.</summary>
    public IReadOnlyList<RawSocketAddress> Sources { get; init; } = [];

    /// <summary>Connections per source address (connection i binds <c>Sources[i / SourcesPer]</c>).</summary>
    public int PerSource { get; init; } = int.MaxValue;

    /// <summary>The source address connection <paramref name="index"/> binds, as the connect phase spread them; null = any.</summary>
    public RawSocketAddress? SourceFor(int index) => Sources.Count == 0 ? null : Sources[Math.Min(index / PerSource, Sources.Count - 1)];

    /// <summary>Connections are handed to the I/O threads as they connect, and start at once.</summary>
    public bool Immediate { get; }

    /// <summary>A connection without a reply this long after <see cref="LoadConnection.FirstReplyFromTs"/> is starved.</summary>
    public long FirstReplyTimeoutTicks { get; }

    /// <summary>
    /// False while the connect phase still hands out connections (immediate start): the I/O threads must not finish,
    /// and the open model waits for a connection instead of ending its schedule.
    /// </summary>
    public volatile bool ConnectingDone;

    public LoadOptions Options { get; }

    public LoadProfile Profile { get; }

    public SpanFramer Framer { get; }

    public int Overhead { get; }

    public SizeSpec Sizes { get; }

    public TransformKind Expect { get; }

    public int Pipeline { get; }

    public bool IsOpen { get; }

    public int MaxWire { get; }

    /// <summary>Bytes a connection must keep between reads: one maximal frame plus its framing.</summary>
    public int CarrySize { get; }

    /// <summary>The carry size for messages of <paramref name="sizes"/> (before a run's timeline exists).</summary>
    public static int CarrySizeOf(SizeSpec sizes) => Math.Max(sizes.Max, 16) + 8;

    /// <summary>When load begins (after the connect phase).</summary>
    public long LoadStartTs { get; }

    /// <summary>Messages due from here on are measured.</summary>
    public long MeasureStartTs { get; }

    private long _sendStopTs;
    private long _drainDeadlineTs;

    /// <summary>No message is due after this: measurement ends, drain begins. Moves earlier when the run is cancelled.</summary>
    public long SendStopTs => Volatile.Read(ref _sendStopTs);

    /// <summary>Outstanding replies are given up on (counted missing) after this.</summary>
    public long DrainDeadlineTs => Volatile.Read(ref _drainDeadlineTs);

    /// <summary>Whether the run was cut short (Ctrl+C, cancellation).</summary>
    public bool EndedEarly { get; private set; }

    /// <summary>Ends the measurement now: no new messages, outstanding replies are drained as usual.</summary>
    public void StopEarly()
    {
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        if (now < SendStopTs)
        {
            Volatile.Write(ref _sendStopTs, now);
            Volatile.Write(ref _drainDeadlineTs, now + SecondsToTicks(Options.DrainTimeout.TotalSeconds));
            EndedEarly = true;
        }
    }

    /// <summary>Seconds actually measured: the planned window, or less when the run ended early.</summary>
    public double MeasuredSeconds => Math.Max(0, (SendStopTs - MeasureStartTs) / (double)Stopwatch.Frequency);

    public long TimeoutTicks { get; }

    /// <summary>Open model: how long before a due time the I/O thread stops sleeping and polls.</summary>
    public long SpinTicks { get; }

    /// <summary>Open model: full connections passed over before a message counts as overflow on the first of them.</summary>
    public const int MaxFullSkips = 64;

    /// <summary>Set to end the run early (cancellation).</summary>
    public volatile bool Abort;

    /// <summary>Whether a message due at <paramref name="intendedTs"/> is inside the measured window.</summary>
    public bool IsMeasured(long intendedTs) => intendedTs >= MeasureStartTs && intendedTs < SendStopTs;

    /// <summary>Closed model: how many connections are active at <paramref name="now"/> (the profile's level; 0 outside the load).</summary>
    public int ActiveTargetAt(long now) => now < LoadStartTs || now >= SendStopTs
        ? 0
        : (int)Math.Round(Profile.LevelAt(SecondsAt(now)));

    /// <summary>Seconds since load started at <paramref name="ts"/>.</summary>
    public double SecondsAt(long ts) => (ts - LoadStartTs) / (double)Stopwatch.Frequency;

    public static long SecondsToTicks(double seconds) => (long)(seconds * Stopwatch.Frequency);

    /// <summary>Converts a Stopwatch interval to whole microseconds.</summary>
    public static long TicksToUs(long ticks) => TicksPerUs > 0 ? ticks / TicksPerUs : ticks * 1_000_000 / Stopwatch.Frequency;

    private static readonly long TicksPerUs = Stopwatch.Frequency % 1_000_000 == 0 ? Stopwatch.Frequency / 1_000_000 : 0;
}
