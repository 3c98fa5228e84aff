using System.Net;
using EchoServers.Load.Simulations;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Transforms;

namespace EchoServers.Load.Engine;

/// <summary>Everything one run needs; the command line binds to this and <c>bench</c> builds it directly.</summary>
public sealed record LoadOptions
{
    /// <summary>The server to load (loopback or a local test network only).</summary>
    public required IPEndPoint Target { get; init; }

    /// <summary>Connections for <c>-c</c> (closed model) or to spread <c>--rate</c> over (open model).</summary>
    public int Connections { get; init; } = 50;

    /// <summary>Messages in flight per connection (closed model).</summary>
    public int Pipeline { get; init; } = 1;

    /// <summary>Message payload sizes.</summary>
    public SizeSpec Sizes { get; init; } = new(64, 64);

    /// <summary>Measured duration when no <see cref="Steps"/> are given.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Load before measurement, at the first step's level; not counted.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Open model: messages per second in total (fractional allowed); null = closed model.</summary>
    public double? Rate { get; init; }

    /// <summary>How the open model spaces messages.</summary>
    public ArrivalKind Arrival { get; init; } = ArrivalKind.Even;

    /// <summary>Load simulations from <c>--load</c>; when set they replace <c>-c/-d/--rate</c> as the shape of the run.</summary>
    public IReadOnlyList<LoadStep>? Steps { get; init; }

    /// <summary>Wire framing, as the server was started with.</summary>
    public FramingKind Framing { get; init; } = FramingKind.Raw;

    /// <summary>What a correct reply is.</summary>
    public TransformKind Expect { get; init; } = TransformKind.Echo;

    /// <summary>A reply later than this (from when its message was due) counts as a timeout.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long to wait for outstanding replies after the last message is due.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>New connections per second in the connect phase; 0 = as fast as they complete.</summary>
    public double ConnectRate { get; init; }

    /// <summary>When each connection begins to send: as soon as it is up (default), or once all are.</summary>
    public StartMode Start { get; init; } = StartMode.Immediate;

    /// <summary>A connection without a correct reply this long after its connect began is counted as starved.</summary>
    public TimeSpan FirstReplyTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest wait for one connection to be established.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Churn: close each connection after its M-th reply and connect again (1 = one connection per message); 0 = never.</summary>
    public int MessagesPerConnection { get; init; }

    /// <summary>Churn: close each connection this long after it was established (once its replies are in) and connect again; null = never.</summary>
    public TimeSpan? ConnectionLifetime { get; init; }

    /// <summary>Churn: reopen a connection that failed, was refused or was reset, after <see cref="ReconnectBackoff"/> (doubling per failure in a row).</summary>
    public bool Reconnect { get; init; }

    /// <summary>The first back-off before a reconnect; doubles per failure in a row of the same connection, up to 64×.</summary>
    public TimeSpan ReconnectBackoff { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Whether connections are closed and opened again during the run (any churn option).</summary>
    public bool Churn => MessagesPerConnection > 0 || ConnectionLifetime is not null || Reconnect;

    /// <summary>I/O threads; 0 = one per core the process may use.</summary>
    public int Threads { get; init; }

    /// <summary>Open model: messages in flight per connection before new ones overflow; 0 = enough for --timeout at the peak rate.</summary>
    public int MaxInFlight { get; init; }

    /// <summary>
    /// Open model: poll (busy) for this long before each due time instead of sleeping through it: lower send lateness,
    /// more CPU. Null = 20 µs when the process may use more than one core, else 0 (a shared core is better slept on).
    /// </summary>
    public TimeSpan? Spin { get; init; }

    /// <summary>Seed for Poisson arrivals.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Allow RFC 1918 / unique-local targets as well as loopback.</summary>
    public bool AllowPrivateNetwork { get; init; }

    /// <summary>Source addresses to bind (a share's own 127.0.0.x range); null = chosen by <see cref="Preflight"/>.</summary>
    public IReadOnlyList<IPAddress>? SourceAddresses { get; init; }

    /// <summary>
    /// <c>--tls</c>: run the TLS engine (<see cref="Tls.TlsRunner"/>: one task per connection over SslStream) instead of
    /// the epoll I/O loops, which cannot do TLS; either model. Null = plain TCP.
    /// </summary>
    public Tls.TlsClientOptions? Tls { get; init; }

    /// <summary>Awaited once every connection is open, before warm-up: <c>--start-at</c>, or the barrier of <c>run --processes</c>.</summary>
    public Func<CancellationToken, Task>? StartGate { get; init; }

    /// <summary>
    /// Each I/O thread's allocation figure is taken over this many of its replies after the warm-up (a count, not a
    /// time: the same amount of work however busy the machine) instead of over the whole measured window; 0 = the
    /// window. For the tests that hold the engine to zero allocation per message.
    /// </summary>
    internal long AllocationWindowReplies { get; init; }

    /// <summary>The shape of the run: the steps, or one step built from <c>-c/-d</c> or <c>--rate/-d</c>.</summary>
    public LoadProfile BuildProfile()
    {
        var steps = Steps ?? [Rate is { } rate
            ? new LoadStep(LoadStepKind.Inject, rate, rate, Duration)
            : new LoadStep(LoadStepKind.KeepConstant, Connections, Connections, Duration)];
        return new LoadProfile(steps, Warmup);
    }

    /// <summary>Connections to establish: the peak of a closed profile, else <see cref="Connections"/>.</summary>
    public int ConnectionsToOpen(LoadProfile profile) =>
        profile.IsOpen ? Connections : (int)Math.Ceiling(profile.MaxLevel);
}
