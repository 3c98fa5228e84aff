using EchoServers.Load.Engine;

namespace EchoServers.Load.Bench;

/// <summary>
/// One column of the bench: a load shape run against every model. Raw framing and 64-byte messages unless said
/// otherwise, so the C reference server (raw echo only) can join every cell without <see cref="Work"/>.
/// </summary>
/// <param name="Name">Short name used by <c>--cells</c> and in the report, e.g. <c>c50p16</c>.</param>
/// <param name="Title">What the cell is, for the report's column header.</param>
/// <param name="Connections">Connections (closed model), or the connections an open-model rate is spread over.</param>
/// <param name="Pipeline">Messages in flight per connection (closed model).</param>
/// <param name="Size">Payload bytes per message.</param>
/// <param name="Rate">Open model: messages per second in total; null = closed model.</param>
/// <param name="Work">The server's <c>--work</c> for this cell (<c>cpu:50us</c>, <c>io:5ms</c>); null = none.</param>
/// <param name="Idle">Memory cell: open the connections, send one message on each, hold them idle, read RSS.</param>
/// <param name="MessagesPerConnection">Churn: each connection is closed after this many replies and opened again; 0 = never.</param>
/// <param name="Storm">
/// Connect storm: every connection talks as soon as it is up while the rest are still connecting (immediate start);
/// the other load cells connect everything first (<c>--start together</c>) to measure a steady state.
/// </param>
/// <param name="Processes">
/// More than one: the server runs <c>--processes N</c> (workers on one port) and the load comes from N echo-load
/// processes merged exactly (<c>run --processes N</c>): one process cannot hold more than ~19,000 descriptors here.
/// </param>
/// <param name="Measure">This cell's measured time, instead of the bench's <c>--duration</c>.</param>
/// <param name="Warmup">This cell's warm-up, instead of the bench's <c>--warmup</c>.</param>
/// <param name="OptIn">Long: run only when named in <c>--cells</c>, never by default.</param>
/// <param name="Tls">
/// Over TLS: the servers run with <c>--tls</c> (their self-signed certificate, taken with <c>--insecure</c>) and the
/// load uses the TLS engine; only the models that serve TLS join (<see cref="BenchModel.ServesTls"/>), the reference not.
/// </param>
public sealed record BenchCell(
    string Name, string Title, int Connections, int Pipeline = 1, int Size = 64, double? Rate = null, string? Work = null, bool Idle = false,
    bool Storm = false, int MessagesPerConnection = 0, int Processes = 1, TimeSpan? Measure = null, TimeSpan? Warmup = null, bool OptIn = false, bool Tls = false)
{
    /// <summary>Whether a raw-echo external server (the <c>--reference</c>) can take part: it cannot simulate work, run as several processes, nor speak TLS.</summary>
    public bool ReferenceCanJoin => Work is null && Processes == 1 && !Tls;

    /// <summary>The measured time of each run of this cell.</summary>
    public TimeSpan DurationIn(BenchSettings settings) => Measure ?? settings.Duration;

    /// <summary>The warm-up of each run of this cell.</summary>
    public TimeSpan WarmupIn(BenchSettings settings) => Warmup ?? settings.Warmup;

    /// <summary>The engine's options for this cell against <paramref name="target"/>.</summary>
    public LoadOptions ToLoadOptions(System.Net.IPEndPoint target, BenchSettings settings) => new()
    {
        Target = target,
        Connections = Connections,
        Pipeline = Pipeline,
        Sizes = new SizeSpec(Size, Size),
        Duration = DurationIn(settings),
        Warmup = WarmupIn(settings),
        Rate = Rate,
        Timeout = settings.ReplyTimeout,
        DrainTimeout = settings.DrainTimeout,
        Start = Storm ? StartMode.Immediate : StartMode.Together,
        MessagesPerConnection = MessagesPerConnection,
        Tls = Tls ? new Engine.Tls.TlsClientOptions { Insecure = true } : null,

        // Pinned to one core: one I/O thread, and no spinning before due times (it would steal the core from the
        // thread that must then send).
        Threads = settings.Pin ? 1 : 0,
        Spin = settings.Pin ? TimeSpan.Zero : null,
    };
}
