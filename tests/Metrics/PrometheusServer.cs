using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace EchoServers.Tests.Metrics;

/// <summary>
/// A real Prometheus (Debian's <c>prometheus</c>, installed by scripts/setup.sh) for one test: a generated config
/// scraping the given targets every second, its own temporary storage, its web port picked by the kernel (port 0,
/// read back from /proc), and its HTTP query API. Disposing kills it and deletes its directory.
/// </summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private readonly Process _process;
    private readonly string _directory;
    private readonly StringBuilder _output = new();

    private PrometheusServer(Process process, string directory)
    {
        _process = process;
        _directory = directory;
    }

    public Uri Api { get; private set; } = null!;

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

    /// <summary>The binary, or null when it is not installed.</summary>
    public static string? Binary() => ((string[])["/usr/bin/prometheus", "/usr/local/bin/prometheus"]).FirstOrDefault(File.Exists);

    /// <summary>Starts Prometheus scraping each job's one target; returns once its API answers ready.</summary>
    public static async Task<PrometheusServer> StartAsync(string binary, IReadOnlyDictionary<string, Uri> jobs, TimeSpan timeout)
    {
        var directory = Directory.CreateTempSubdirectory("echoservers-prometheus-").FullName;
        var config = new StringBuilder("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\nscrape_configs:\n");
        foreach (var (job, url) in jobs)
        {
            config.Append(CultureInfo.InvariantCulture, $"  - job_name: {job}\n    metrics_path: {url.AbsolutePath}\n    static_configs:\n      - targets: ['{url.Authority}']\n");
        }

        var configPath = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(configPath, config.ToString());
        var info = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])[$"--config.file={configPath}", $"--storage.tsdb.path={Path.Combine(directory, "data")}", "--web.listen-address=127.0.0.1:0", "--log.level=warn"])
        {
            info.ArgumentList.Add(argument);
        }

        var server = new PrometheusServer(new Process { StartInfo = info }, directory);
        server._process.OutputDataReceived += (_, e) => server.OnLine(e.Data);
        server._process.ErrorDataReceived += (_, e) => server.OnLine(e.Data);
        server._process.Start();
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            if (server._process.HasExited || Stopwatch.GetTimestamp() > deadline)
            {
                throw new InvalidOperationException($"prometheus did not become ready:{Environment.NewLine}{server.Output}");
            }

            if (ListeningPort(server._process.Id) is { } port)
            {
                server.Api = new Uri($"http://127.0.0.1:{port}/");
                try
                {
                    using var ready = await Http.GetAsync(new Uri(server.Api, "-/ready"));
                    if (ready.IsSuccessStatusCode)
                    {
                        return server;
                    }
                }
                catch (HttpRequestException)
                {
                    // Listening, not serving yet.
                }
            }

            await Task.Delay(100);
        }
    }

    /// <summary>An instant query's samples (their labels and value).</summary>
    public async Task<IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)>> QueryAsync(string promql)
    {
        using var document = await GetAsync($"api/v1/query?query={Uri.EscapeDataString(promql)}");
        return [.. document.RootElement.GetProperty("data").GetProperty("result").EnumerateArray().Select(r => (
            (IReadOnlyDictionary<string, string>)r.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!),
            double.Parse(r.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture)))];
    }

    /// <summary>A range query's series count and points, as Grafana runs a panel's query.</summary>
    public async Task<(int Series, int Points)> QueryRangeAsync(string promql, DateTimeOffset start, DateTimeOffset end, TimeSpan step)
    {
        using var document = await GetAsync(string.Create(CultureInfo.InvariantCulture,
            $"api/v1/query_range?query={Uri.EscapeDataString(promql)}&start={start.ToUnixTimeMilliseconds() / 1000.0}&end={end.ToUnixTimeMilliseconds() / 1000.0}&step={step.TotalSeconds}"));
        var result = document.RootElement.GetProperty("data").GetProperty("result");
        return (result.GetArrayLength(), result.EnumerateArray().Sum(s => s.GetProperty("values").GetArrayLength()));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Left in the temp directory; nothing depends on it.
        }
    }

    private async Task<JsonDocument> GetAsync(string relative)
    {
        using var response = await Http.GetAsync(new Uri(Api, relative));
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"prometheus answered {(int)response.StatusCode} to {relative}: {body}");
        }

        return JsonDocument.Parse(body);
    }

    /// <summary>The port of the listening TCP socket <paramref name="pid"/> holds (its web port), or null yet.</summary>
    private static int? ListeningPort(int pid)
    {
        var inodes = new HashSet<long>();
        try
        {
            foreach (var fd in Directory.GetFiles($"/proc/{pid}/fd"))
            {
                var target = new FileInfo(fd).LinkTarget;
                if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal)
                    && long.TryParse(target.AsSpan(8, target.Length - 9), NumberStyles.Integer, CultureInfo.InvariantCulture, out var inode))
                {
                    inodes.Add(inode);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        foreach (var line in File.ReadLines("/proc/net/tcp").Skip(1))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f[3] == "0A" && inodes.Contains(long.Parse(f[9], CultureInfo.InvariantCulture)))
            {
                return int.Parse(f[1].AsSpan(f[1].IndexOf(':') + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    private void OnLine(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
