using System.Diagnostics;
using System.Text;

namespace EchoServers.Tests.Metrics;

/// <summary><c>echo-load</c> as a process with <c>--metrics-port 0</c>: its metrics address (from stderr), its output, its exit.</summary>
internal sealed class LoadProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _metrics = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private LoadProcess(Process process) => _process = process;

    public Uri MetricsUrl { get; private set; } = null!;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static async Task<LoadProcess> StartAsync(IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "echo-load.dll"));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var load = new LoadProcess(new Process { StartInfo = info });
        load._process.OutputDataReceived += (_, e) => load.OnLine(e.Data);
        load._process.ErrorDataReceived += (_, e) => load.OnLine(e.Data);
        load._process.Start();
        load._process.BeginOutputReadLine();
        load._process.BeginErrorReadLine();
        try
        {
            load.MetricsUrl = await load._metrics.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            await load.DisposeAsync();
            throw new TimeoutException($"echo-load printed no metrics address:{Environment.NewLine}{load.Output}");
        }

        return load;
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"echo-load did not exit within {timeout}:{Environment.NewLine}{Output}");
        }

        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        const string Marker = "metrics on ";
        if (line.IndexOf(Marker, StringComparison.Ordinal) is var at and >= 0)
        {
            _metrics.TrySetResult(new Uri(line[(at + Marker.Length)..].Trim()));
        }
    }
}
