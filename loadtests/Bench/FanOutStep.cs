using System.Diagnostics;
using System.Globalization;
using System.Net;
using EchoServers.Linux;
using EchoServers.Load.Distributed;
using EchoServers.Load.Reports;

namespace EchoServers.Load.Bench;

/// <summary>
/// A multi-process cell (<see cref="BenchCell.Processes"/> &gt; 1): the load is <c>echo-load run</c> split into that many
/// shares in child processes, started together and merged exactly (<see cref="ProcessFanOut"/>); the server is a
/// <c>--processes</c> group whose CPU and memory are summed over its workers. The measured window is timed from the
/// children's common start: their load begins then, their measurement after the warm-up.
/// </summary>
internal static class FanOutStep
{
    /// <summary>How long one connection may take to connect, reply or drain at this scale (a storm of 100,000 connects queues).</summary>
    private static readonly TimeSpan ScaleTimeout = TimeSpan.FromSeconds(30);

    public static async Task<(LoadResult? Result, List<string> Failures, ProcessSample? AtStart, ProcessSample? AtEnd, double Seconds)> RunAsync(
        BenchCell cell, BenchSettings settings, IPEndPoint target, int serverPid, CancellationToken cancellationToken)
    {
        var warmup = cell.WarmupIn(settings);
        var duration = cell.DurationIn(settings);
        ProcessSample? atStart = null, atEnd = null;
        var seconds = 0.0;
        Task sampling = Task.CompletedTask;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var (merged, failures) = await ProcessFanOut.RunSharesAsync(Arguments(cell, warmup, duration, target), cell.Processes, onGo: () =>
        {
            sampling = Task.Run(async () =>
            {
                await Task.Delay(warmup, stop.Token);
                atStart = ServerGroupSample.TryRead(serverPid);
                var clock = Stopwatch.StartNew();
                await Task.Delay(duration, stop.Token);
                atEnd = ServerGroupSample.TryRead(serverPid);
                seconds = clock.Elapsed.TotalSeconds;
            }, stop.Token);
        }, cancellationToken);
        await stop.CancelAsync();
        try
        {
            await sampling;
        }
        catch (OperationCanceledException)
        {
            // The children ended before the window did (failed or interrupted): no server reading.
            atEnd = null;
        }

        return (merged, failures, atStart, atEnd, seconds);
    }

    /// <summary>The <c>run</c> command line of the whole load; each child takes its share.</summary>
    internal static List<string> Arguments(BenchCell cell, TimeSpan warmup, TimeSpan duration, IPEndPoint target)
    {
        static string Ms(TimeSpan t) => string.Create(CultureInfo.InvariantCulture, $"{t.TotalMilliseconds:0}ms");
        var arguments = new List<string>
        {
            "run", "--target", target.ToString(), "-c", cell.Connections.ToString(CultureInfo.InvariantCulture),
            "-s", cell.Size.ToString(CultureInfo.InvariantCulture), "-d", Ms(duration), "--warmup", Ms(warmup),
            "--start", cell.Storm ? "immediate" : "together", "--timeout", Ms(ScaleTimeout), "--first-reply-timeout", Ms(ScaleTimeout),
            "--connect-timeout", "10s", "--plain",
        };
        if (cell.Rate is { } rate)
        {
            arguments.AddRange(["--rate", rate.ToString(CultureInfo.InvariantCulture)]);
        }
        else
        {
            arguments.AddRange(["-p", cell.Pipeline.ToString(CultureInfo.InvariantCulture)]);
        }

        return arguments;
    }
}
