using System.Globalization;
using System.Net;
using EchoServers.Load.Engine;

namespace EchoServers.Load.Bench;

/// <summary>
/// Starts each server (a row × a <c>--work</c> × a number of <c>--processes</c> × plain or TLS) the first time a cell needs it, warms it up, and stops them all at
/// the end. Servers stay up across passes so the JIT's work is done once, before anything is measured.
/// </summary>
internal sealed class BenchServers(BenchSettings settings, IReadOnlyList<string>? serverCommand, int? serverCpu, TextWriter progress)
{
    /// <summary>--max-connections for our servers: above the largest cell, so the bench, not the limit, is measured.</summary>
    private const int MaxConnections = 12_000;

    private const int WarmupConnections = 50;

    /// <summary>--max-connections of each worker of a multi-process server: under the 20,000-descriptor limit with the runtime's reserve.</summary>
    private const int MaxConnectionsPerWorker = 19_000;

    private readonly Dictionary<(string Label, string? Work, int Processes, bool Tls), ServerSlot> _slots = [];
    private readonly List<ServerSlot> _fresh = [];

    /// <summary>
    /// The server for <paramref name="model"/> with <paramref name="work"/> and <paramref name="processes"/> workers
    /// (more than one: <c>--processes N</c> on one port), with <c>--tls</c> when <paramref name="tls"/>, started and
    /// warmed on first use.
    /// </summary>
    public async Task<ServerSlot> GetAsync(BenchModel model, string? work, int processes, bool tls, CancellationToken cancellationToken)
    {
        if (_slots.TryGetValue((model.Label, work, processes, tls), out var slot))
        {
            if (slot.Error is null && slot.Process.HasExited)
            {
                slot.Error = $"exited during the bench: {string.Join(" | ", slot.Process.LastOutput.TakeLast(5))}";
            }

            return slot;
        }

        slot = Create(model, work, processes, tls);
        _slots[(model.Label, work, processes, tls)] = slot;
        await StartAsync(slot, settings.JitWarmup, cancellationToken);
        return slot;
    }

    /// <summary>
    /// A new server of <paramref name="model"/> just for one memory reading: a server that has already carried
    /// 10,000 busy connections keeps what its allocator and GC grew to, and would hide the cost of idle ones.
    /// Warmed for <paramref name="warmup"/>; stop it with <see cref="StopAsync"/> after the reading.
    /// </summary>
    public async Task<ServerSlot> StartFreshAsync(BenchModel model, TimeSpan warmup, CancellationToken cancellationToken)
    {
        var slot = Create(model, null, 1, tls: false);
        slot.Fresh = true;
        _fresh.Add(slot);
        await StartAsync(slot, warmup, cancellationToken);
        return slot;
    }

    public Task StopAsync(ServerSlot slot) => slot.Process.StopAsync(settings.DrainTimeout);

    private async Task StartAsync(ServerSlot slot, TimeSpan warmup, CancellationToken cancellationToken)
    {
        var what = (slot.Work is null ? slot.Model.Label : $"{slot.Model.Label} --work {slot.Work}")
            + (slot.Processes > 1 ? $" --processes {slot.Processes}" : string.Empty) + (slot.Tls ? " --tls" : string.Empty) + (slot.Fresh ? " (fresh, for the idle cell)" : string.Empty);
        try
        {
            if (slot.Model.IsReference)
            {
                var endPoint = new IPEndPoint(IPAddress.Loopback, slot.ReferencePort!.Value);
                await slot.Process.StartAcceptingAsync(endPoint, settings.StartTimeout, cancellationToken);
            }
            else
            {
                await slot.Process.StartListeningAsync(settings.StartTimeout, cancellationToken);
            }

            if (serverCpu is { } cpu)
            {
                CpuAffinity.PinProcess(slot.Process.ProcessId, cpu);
            }

            slot.CpusAllowed = CpuAffinity.AllowedList(slot.Process.ProcessId);
            await progress.WriteLineAsync(
                $"bench: started {what}: pid {slot.Process.ProcessId} on {slot.Process.EndPoint}, CPUs {slot.CpusAllowed}; warming up {warmup.TotalSeconds:0.#}s");
            await WarmAsync(slot, warmup, cancellationToken);
        }
        catch (Exception ex) when (ex is LoadSetupException or TimeoutException or InvalidOperationException)
        {
            slot.Error = ex is TimeoutException ? $"did not report listening within {settings.StartTimeout.TotalSeconds:0}s" : ex.Message;
            await progress.WriteLineAsync($"bench: {what} cannot be measured: {slot.Error}");
        }
    }

    /// <summary>Stops every server (SIGTERM, drain, SIGKILL after a grace period) and returns their records.</summary>
    public async Task<IReadOnlyList<BenchServer>> StopAllAsync()
    {
        var all = _slots.Values.Concat(_fresh).ToArray();
        await Task.WhenAll(all.Select(s => s.Process.StopAsync(settings.DrainTimeout)));
        foreach (var slot in all)
        {
            await slot.Process.DisposeAsync();
        }

        return [.. all.Select(s => s.ToRecord())];
    }

    private ServerSlot Create(BenchModel model, string? work, int processes, bool tls)
    {
        if (model.ReferenceCommand is { } template)
        {
            var port = ServerProcess.FreePort();
            var command = CommandLine.Split(template.Replace("{port}", port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
            return new ServerSlot(model, null, new ServerProcess(command, serverCpu)) { ReferencePort = port };
        }

        var arguments = new List<string>(serverCommand ?? throw new InvalidOperationException("no echo-server command"))
        {
            "--model", model.Model!, "--port", "0", "--stats-interval", "0", "--log-level", "warning",
            "--max-connections", (processes > 1 ? MaxConnectionsPerWorker : MaxConnections).ToString(CultureInfo.InvariantCulture),
            "--drain-timeout", $"{settings.DrainTimeout.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms",
        };
        arguments.AddRange(model.ExtraArgs);
        if (work is not null)
        {
            arguments.AddRange(["--work", work]);
        }

        if (processes > 1)
        {
            arguments.AddRange(["--processes", processes.ToString(CultureInfo.InvariantCulture)]);
        }

        if (tls)
        {
            // Its self-signed certificate (the load takes it with --insecure), on the row's transport.
            arguments.Add("--tls");
        }

        return new ServerSlot(model, work, new ServerProcess(arguments, serverCpu), tls) { Processes = processes };
    }

    /// <summary>Load the server for a few seconds so tiered compilation has produced its optimised code before measuring.</summary>
    private async Task WarmAsync(ServerSlot slot, TimeSpan warmup, CancellationToken cancellationToken)
    {
        if (warmup <= TimeSpan.Zero)
        {
            return;
        }

        // A pool serves only its workers; more connections would just wait in its queue and time out.
        var connections = slot.Model.MaxServed is { } served ? Math.Clamp(served, 1, WarmupConnections) : WarmupConnections;
        var options = new LoadOptions
        {
            Target = slot.Process.EndPoint!,
            Connections = connections,
            Pipeline = 2,
            Duration = warmup,
            Warmup = TimeSpan.Zero,
            Timeout = settings.ReplyTimeout,
            DrainTimeout = settings.DrainTimeout,
            Threads = settings.Pin ? 1 : 0,
            Tls = slot.Tls ? new Engine.Tls.TlsClientOptions { Insecure = true } : null,
            Start = slot.Tls ? StartMode.Together : StartMode.Immediate,
        };
        var result = await LoadRunner.RunAsync(options, NullProgressSink.Instance, cancellationToken);
        if (result.Errors.Total > 0)
        {
            await progress.WriteLineAsync($"bench: warm-up of {slot.Model.Label} had {result.Errors.Total} errors (not counted)");
        }
    }
}
