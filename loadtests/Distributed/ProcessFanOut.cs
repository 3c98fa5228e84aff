using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EchoServers.Linux;
using EchoServers.Load.Cli;
using EchoServers.Load.Reports;

namespace EchoServers.Load.Distributed;

/// <summary>
/// <c>echo-load run --processes N</c>: N child processes of echo-load, child i running <c>--share i/N</c> of the
/// same command line (its own connections, rate, 127.0.0.x sources and descriptor limit), all starting their
/// measurement together (a barrier: each child reports <c>@connected</c>, the parent answers <c>go</c> on its stdin
/// once all have), and their JSON results merged exactly by <see cref="ResultMerger"/>. A child that fails is in
/// the report (a warning naming it and its last words, the result invalid, exit code 1), never dropped.
/// </summary>
internal static class ProcessFanOut
{
    private const string ChildVariable = "ECHO_LOAD_FANOUT_CHILD";
    private const string ConnectedLine = "@connected";
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromMinutes(5);

    // Options the parent keeps for itself: outputs and assertions apply to the merged result.
    private static readonly HashSet<string> ParentOptions = ["--processes", "--json", "--csv", "--hdr", "--report", "--assert", "-a", "--share", "--start-at"];

    /// <summary>Whether this process is a child of <c>run --processes</c>.</summary>
    public static bool IsChild => Environment.GetEnvironmentVariable(ChildVariable) == "1";

    /// <summary>A child's start gate: tell the parent it is connected, wait for its go (or its end: the parent died).</summary>
    public static async Task ChildBarrier(CancellationToken cancellationToken)
    {
        await Console.Out.WriteLineAsync(ConnectedLine);
        await Console.Out.FlushAsync(cancellationToken);
        var go = await Console.In.ReadLineAsync(cancellationToken);
        if (go is null)
        {
            throw new Engine.LoadSetupException("the parent echo-load went away before the start");
        }
    }

    public static async Task<int> RunAsync(BoundRunOptions bound, int processes, CancellationToken cancellationToken)
    {
        if (!bound.Quiet)
        {
            Console.Out.WriteLine($"echo-load: {processes} processes, each a share of the load; waiting for all to connect");
        }

        try
        {
            var (merged, failures) = await RunSharesAsync(ChildArguments(Environment.GetCommandLineArgs()), processes, onGo: null, cancellationToken);
            foreach (var failure in failures)
            {
                await Console.Error.WriteLineAsync($"echo-load: {failure}");
            }

            if (merged is null)
            {
                return RunCommand.UsageError;
            }

            merged = merged with { Load = $"{string.Join(", ", bound.Load.BuildProfile().Steps)} ({processes} processes)" };
            Console.Out.Write(SummaryText.Format(merged));
            MergeCommand.Write(merged, bound.JsonPath, bound.CsvPath, bound.HdrPath, bound.ReportDirectory);
            var failed = 0;
            foreach (var assertion in bound.Assertions)
            {
                if (!assertion.Holds(merged, out var actual))
                {
                    failed++;
                    await Console.Error.WriteLineAsync($"assertion {assertion.Describe(actual)}");
                }
            }

            return failures.Count > 0 || failed > 0 ? RunCommand.AssertionFailed : cancellationToken.IsCancellationRequested ? RunCommand.Interrupted : 0;
        }
        catch (Exception ex) when (ex is IOException or JsonException or InvalidDataException or TimeoutException)
        {
            await Console.Error.WriteLineAsync($"echo-load: --processes: {ex.Message}");
            return RunCommand.UsageError;
        }
    }

    /// <summary>
    /// Runs <paramref name="arguments"/> (an echo-load <c>run</c> command line, without the program) as
    /// <paramref name="processes"/> shares in child processes that start together, and merges their results:
    /// null when none succeeded; every failed child named in the failures (and the merged result then invalid).
    /// <paramref name="onGo"/> runs as the children are told to start (after all connected): the bench times its
    /// server readings from it. Used by <c>run --processes</c> and by the bench's multi-process cells.
    /// </summary>
    public static async Task<(LoadResult? Merged, List<string> Failures)> RunSharesAsync(
        IReadOnlyList<string> arguments, int processes, Action? onGo, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("echo-load-shares-").FullName;
        var children = new List<Child>();
        try
        {
            for (var i = 1; i <= processes; i++)
            {
                children.Add(Child.Start(i, processes, [.. arguments], Path.Combine(directory, $"share-{i}.json")));
            }

            using var registration = cancellationToken.Register(() => children.ForEach(c => c.Interrupt()));

            // The barrier: all connected (or gone), then every child starts at once.
            await Task.WhenAll(children.Select(c => Task.WhenAny(c.Connected, c.Exited))).WaitAsync(ConnectTimeout, cancellationToken);
            children.ForEach(c => c.Go());
            onGo?.Invoke();
            await Task.WhenAll(children.Select(c => c.Exited));

            var parts = new List<(string, LoadResult)>();
            var failures = new List<string>();
            foreach (var child in children)
            {
                if (child.ExitCode == 0 && File.Exists(child.JsonPath))
                {
                    parts.Add(($"share {child.Index}/{processes}", JsonReport.Read(child.JsonPath)));
                }
                else
                {
                    failures.Add($"share {child.Index}/{processes} failed (exit code {child.ExitCode}): {child.LastWords}");
                }
            }

            if (parts.Count == 0)
            {
                return (null, failures);
            }

            var merged = ResultMerger.Merge(parts);

            // The children share this machine's cores: each one's CPU % is of the same cores, so their sum is a
            // percentage of those cores, not of the children's summed core counts (merge of several machines adds them).
            merged = merged with { Generator = merged.Generator with { Cores = parts.Max(p => p.Item2.Generator.Cores) } };
            if (failures.Count > 0)
            {
                merged = merged with { Valid = false, Warnings = [.. failures, .. merged.Warnings] };
            }

            return (merged, failures);
        }
        catch
        {
            children.ForEach(c => c.Kill());
            throw;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>This process's arguments without the program and the options the parent keeps.</summary>
    internal static List<string> ChildArguments(IReadOnlyList<string> commandLine)
    {
        var arguments = new List<string>();
        for (var i = 1; i < commandLine.Count; i++)
        {
            var argument = commandLine[i];
            var name = argument.Split('=', 2)[0];
            if (ParentOptions.Contains(name))
            {
                // "--json x" takes the next token too; "--json=x" does not.
                i += argument.Contains('=', StringComparison.Ordinal) ? 0 : 1;
            }
            else if (name is not ("--quiet" or "-q" or "--plain"))
            {
                arguments.Add(argument);
            }
        }

        return arguments;
    }

    private sealed class Child
    {
        private readonly Process _process;
        private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Queue<string> _lastLines = new();

        private Child(int index, string jsonPath, Process process)
        {
            Index = index;
            JsonPath = jsonPath;
            _process = process;
        }

        public int Index { get; }

        public string JsonPath { get; }

        public Task Connected => _connected.Task;

        public Task Exited { get; private set; } = Task.CompletedTask;

        public int ExitCode => _process.ExitCode;

        public string LastWords
        {
            get
            {
                lock (_lastLines)
                {
                    return _lastLines.Count == 0 ? "no output" : string.Join(" | ", _lastLines);
                }
            }
        }

        public static Child Start(int index, int count, List<string> arguments, string jsonPath)
        {
            var info = new ProcessStartInfo(Environment.ProcessPath!)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            if (Path.GetFileNameWithoutExtension(info.FileName) == "dotnet")
            {
                info.ArgumentList.Add(Environment.GetCommandLineArgs()[0]);
            }

            foreach (var argument in (string[])[.. arguments, "--share", $"{index}/{count}", "--json", jsonPath, "--quiet"])
            {
                info.ArgumentList.Add(argument);
            }

            info.Environment[ChildVariable] = "1";
            var process = Process.Start(info) ?? throw new IOException("could not start a child echo-load");
            var child = new Child(index, jsonPath, process);
            child.Exited = child.RunAsync();
            return child;
        }

        public void Go()
        {
            try
            {
                _process.StandardInput.WriteLine("go");
                _process.StandardInput.Flush();
            }
            catch (IOException)
            {
                // Already gone: its exit code tells.
            }
        }

        public void Interrupt()
        {
            if (!_process.HasExited)
            {
                // Like Ctrl+C on the child: it ends its run early and still writes its result.
                LibC.Kill(_process.Id, 2);
            }
        }

        public void Kill()
        {
            try
            {
                _process.Kill();
            }
            catch (InvalidOperationException)
            {
                // Not started or gone.
            }
        }

        private async Task RunAsync()
        {
            var stdout = PumpAsync(_process.StandardOutput, forward: false);
            var stderr = PumpAsync(_process.StandardError, forward: true);
            await Task.WhenAll(stdout, stderr);
            await _process.WaitForExitAsync();
        }

        private async Task PumpAsync(StreamReader reader, bool forward)
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                if (line == ConnectedLine)
                {
                    _connected.TrySetResult();
                    continue;
                }

                lock (_lastLines)
                {
                    if (_lastLines.Count == 3)
                    {
                        _lastLines.Dequeue();
                    }

                    _lastLines.Enqueue(line);
                }

                if (forward)
                {
                    await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"[share {Index}] {line}"));
                }
            }
        }
    }
}
