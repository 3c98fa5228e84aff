using EchoServers.Load.Bench;
using EchoServers.Load.Measurement;
using EchoServers.Load.Reports;

namespace EchoServers.Tests.Bench;

/// <summary>Bench runs and results made up in code, for the aggregation and report tests.</summary>
internal static class SyntheticBench
{
    public static BenchRun Run(string model, string cell, int pass, double rate, double cpuUs = 5, long errors = 0, int served = 50) => new()
    {
        Pass = pass,
        Cell = cell,
        Model = model,
        MessagesPerSecond = rate,
        ServerCpuUsPerMessage = cpuUs,
        ServerCpuPercent = 90,
        ServerRssBytes = 40 << 20,
        ServerThreads = 12,
        Result = Result(rate, errors, served),
        Latency = Histogram(pass * 100, 1000 + (pass * 100)),
    };

    public static LoadResult Result(double rate, long errors, int served)
    {
        var latency = new LatencySummary(200, 400, 900, 2000, 3000, 5000, 250, 1000);
        return new LoadResult
        {
            Connections = new ConnectionCounts(50, 50, 0, served),
            Messages = (long)(rate * 3),
            MessagesPerSecond = rate,
            LatencyUs = latency,
            Errors = new ErrorCounts(errors, 0, 0, errors, 0, 0, 0, 0, 0),
            Valid = errors == 0,
            ServiceTimeUs = latency,
            ConnectUs = latency,
            Target = "127.0.0.1:1",
            Model = "closed",
            Load = "keep-constant 50 for 3s",
            Framing = "raw",
            Expect = "echo",
            Size = "64",
            DurationSeconds = 3,
            WarmupSeconds = 1,
            Generator = new GeneratorCost(100, 2, 1, 40, 3, 0, 0, 0, false),
            Warnings = [],
            PerSecond = [],
        };
    }

    public static HdrHistogram.HistogramBase Histogram(long from, long to)
    {
        var histogram = Histograms.Create();
        for (var v = from + 1; v <= to; v++)
        {
            histogram.RecordValue(v);
        }

        return histogram;
    }

    /// <summary>Two models and a reference, two cells (one idle), three passes.</summary>
    public static BenchResult Result()
    {
        var cells = new[] { BenchCells.All.First(c => c.Name == "c50"), BenchCells.All.First(c => c.Name == "idle10k") };
        var runs = new List<BenchRun>();
        for (var pass = 1; pass <= 3; pass++)
        {
            runs.Add(Run("async", "c50", pass, 90_000 + (pass * 1000), cpuUs: 7) with { ServerSyscallsPerMessage = pass == 1 ? 2.02 : null });
            runs.Add(Run("pool", "c50", pass, 30_000, errors: 45, served: 5));
            runs.Add(Run("c-epoll-echo", "c50", pass, 100_000, cpuUs: 5));
            foreach (var model in new[] { "async", "pool", "c-epoll-echo" })
            {
                runs.Add(new BenchRun
                {
                    Pass = pass,
                    Cell = "idle10k",
                    Model = model,
                    Idle = new IdleResult(10_000, 10_000, 10_000, 0, 0, 40 << 20, (40 << 20) + (10_000 * 9 * 1024), 14),
                });
            }
        }

        var models = new[] { "async", "pool", "c-epoll-echo" };
        return new BenchResult
        {
            StartedUtc = new DateTime(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc),
            FinishedUtc = new DateTime(2026, 1, 1, 12, 3, 0, DateTimeKind.Utc),
            CommandLine = "echo-load bench --cells c50,idle10k --reference \"/tmp/c-epoll-echo {port}\"",
            Machine = new BenchMachine(2, 0, 1, "Linux", ".NET 10") { NullSyscallNs = 1030, EagainRecvNs = 1212 },
            Passes = 3,
            DurationSeconds = 3,
            WarmupSeconds = 1,
            JitWarmupSeconds = 5,
            Cells = cells,
            Models = models,
            Reference = "c-epoll-echo",
            Servers = [new BenchServer { Model = "async", Command = "echo-server --model async", ProcessId = 42, CpusAllowed = "0", ExitCode = 0 }],
            Runs = runs,
            Summaries = BenchAggregator.Summarise(runs, cells, models, "c-epoll-echo"),
            Notes = ["pool serves 5 <by design> & says so"],
        };
    }
}
