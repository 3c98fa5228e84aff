using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EchoServers.Load.Metrics;

/// <summary>
/// echo-load's <c>/metrics</c>: a minimal HTTP/1.1 responder on its own listening socket (port 0 allowed, the bound
/// port logged), one request per connection, for Prometheus's scrapes only; no web framework in the generator. When
/// the command ends it waits, briefly, for one more scrape, so Prometheus records the final totals of the run.
/// </summary>
internal sealed class MetricsEndpoint : IAsyncDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan LongestLastScrapeWait = TimeSpan.FromSeconds(15);

    private readonly Socket _listener;
    private readonly LoadMetrics _metrics;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly Lock _gate = new();
    private TaskCompletionSource _nextScrape = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _scrapes;
    private long _firstScrapeTicks;
    private long _lastScrapeTicks;

    private MetricsEndpoint(Socket listener, LoadMetrics metrics)
    {
        _listener = listener;
        _metrics = metrics;
        EndPoint = (IPEndPoint)listener.LocalEndPoint!;
        _accepting = AcceptAsync();
    }

    /// <summary>Where it listens.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>Listens on <paramref name="endPoint"/>; throws <see cref="SocketException"/> when it cannot.</summary>
    public static MetricsEndpoint Start(IPEndPoint endPoint, LoadMetrics metrics)
    {
        var listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(endPoint);
            listener.Listen(16);
            return new MetricsEndpoint(listener, metrics);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Scraped during the command: wait for one scrape that sees the final totals (at most two scrape intervals).
        Task next;
        TimeSpan wait;
        lock (_gate)
        {
            next = _nextScrape.Task;
            var interval = _scrapes > 1 ? TimeSpan.FromMilliseconds((_lastScrapeTicks - _firstScrapeTicks) / (double)(_scrapes - 1)) : TimeSpan.Zero;
            wait = _scrapes > 1 ? TimeSpan.FromTicks(Math.Min(LongestLastScrapeWait.Ticks, interval.Ticks * 2 + TimeSpan.TicksPerSecond)) : TimeSpan.Zero;
        }

        if (wait > TimeSpan.Zero)
        {
            await next.WaitAsync(wait).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await _stop.CancelAsync();
        _listener.Dispose();
        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        using (client)
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token))
        {
            timeout.CancelAfter(RequestTimeout);
            try
            {
                var request = await ReadHeadAsync(client, timeout.Token);
                var line = request.Split("\r\n", 2)[0].Split(' ');
                var path = line.Length > 1 ? line[1].Split('?', 2)[0] : "";
                var get = line[0] is "GET" or "HEAD";
                var (status, body, type) = !get
                    ? ("405 Method Not Allowed", "GET only\n", "text/plain; charset=utf-8")
                    : path == "/metrics"
                        ? ("200 OK", PrometheusText.Format(_metrics.View()), PrometheusText.ContentType)
                        : ("404 Not Found", "see /metrics\n", "text/plain; charset=utf-8");
                var bytes = Encoding.UTF8.GetBytes(body);
                var head = Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\nContent-Type: {type}\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n");
                await client.SendAsync(head, timeout.Token);
                if (line[0] != "HEAD")
                {
                    await client.SendAsync(bytes, timeout.Token);
                }

                if (status[0] == '2')
                {
                    Scraped();
                }

                client.Shutdown(SocketShutdown.Send);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException or InvalidDataException)
            {
                // A scraper that went away or sent no request: its problem, never the run's.
            }
        }
    }

    private void Scraped()
    {
        lock (_gate)
        {
            var now = Environment.TickCount64;
            _firstScrapeTicks = _scrapes == 0 ? now : _firstScrapeTicks;
            _lastScrapeTicks = now;
            _scrapes++;
            _nextScrape.TrySetResult();
            _nextScrape = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    private static async Task<string> ReadHeadAsync(Socket client, CancellationToken cancellationToken)
    {
        var buffer = new byte[8192];
        var length = 0;
        while (true)
        {
            var read = await client.ReceiveAsync(buffer.AsMemory(length), cancellationToken);
            if (read == 0)
            {
                throw new InvalidDataException("closed before the request ended");
            }

            length += read;
            var text = Encoding.ASCII.GetString(buffer, 0, length);
            if (text.Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                return text;
            }

            if (length == buffer.Length)
            {
                throw new InvalidDataException("request head too large");
            }
        }
    }
}
