using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace EchoServers.Tests.Processes;

/// <summary>
/// <c>echo-server --processes N</c> as a real process tree: its output lines (waitable), its endpoint, its workers
/// (the processes whose parent it is, read from /proc), signals, and its exit. Disposing kills what is left.
/// </summary>
internal sealed partial class SupervisedServer : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly Lock _gate = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> _waiters = [];

    private SupervisedServer(Process process) => _process = process;

    public IPEndPoint EndPoint { get; private set; } = null!;

    public int ProcessId => _process.Id;

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    public static async Task<SupervisedServer> StartAsync(int processes, string model, IDictionary<string, string>? environment = null, params string[] extra)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[Path.Combine(AppContext.BaseDirectory, "echo-server.dll"), "--model", model, "--port", "0", "--processes", processes.ToString(CultureInfo.InvariantCulture), "--stats-interval", "1s", .. extra])
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var server = new SupervisedServer(new Process { StartInfo = info });
        server._process.OutputDataReceived += (_, e) => server.OnLine(e.Data);
        server._process.ErrorDataReceived += (_, e) => server.OnLine(e.Data);
        server._process.Start();
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        var listening = await server.WaitForLineAsync(line => line.Contains("listening on ", StringComparison.Ordinal));
        var match = ListeningLine().Match(listening);
        server.EndPoint = new IPEndPoint(IPAddress.Parse(match.Groups["ip"].Value), int.Parse(match.Groups["port"].Value, CultureInfo.InvariantCulture));
        return server;
    }

    /// <summary>The first line (seen already or to come) that matches; throws after <see cref="Timeout"/>.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_lines.FirstOrDefault(match) is { } line)
            {
                return line;
            }

            _waiters.Add((match, seen));
        }

        try
        {
            return await seen.Task.WaitAsync(Timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"no such line within {Timeout}; output:{Environment.NewLine}{string.Join(Environment.NewLine, Lines)}");
        }
    }

    /// <summary>The worker processes now (children of the supervisor).</summary>
    public IReadOnlySet<int> WorkerPids()
    {
        var children = new HashSet<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after the last ')'.
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], CultureInfo.InvariantCulture) == _process.Id && fields[0] != "Z")
                {
                    children.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone while we looked.
            }
        }

        return children;
    }

    /// <summary>Waits until the worker set satisfies <paramref name="condition"/> (polled: /proc offers no notification).</summary>
    public async Task<IReadOnlySet<int>> WaitForWorkersAsync(Func<IReadOnlySet<int>, bool> condition)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(Timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var pids = WorkerPids();
            if (condition(pids))
            {
                return pids;
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"workers now [{string.Join(", ", pids)}]; output:{Environment.NewLine}{string.Join(Environment.NewLine, Lines)}");
            }

            await Task.Delay(50);
        }
    }

    public static void Signal(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", $"-{signal} {pid}") { UseShellExecute = false })!;
        kill.WaitForExit(5000);
    }

    public async Task<int> WaitForExitAsync()
    {
        await _process.WaitForExitAsync().WaitAsync(Timeout);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(Timeout);
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _lines.Add(line);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(line))
                {
                    _waiters[i].Seen.TrySetResult(line);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    [GeneratedRegex(@"listening on (?<ip>\d{1,3}(?:\.\d{1,3}){3}):(?<port>\d{1,5})")]
    private static partial Regex ListeningLine();
}
