using System.Net;
using EchoServers.Servers.Hosting;
using Microsoft.Extensions.Logging;

namespace EchoServers.Tests.Infrastructure;

/// <summary>A started server with its metrics and captured logs; disposing stops it.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly ILoggerFactory _loggerFactory;
    private int _disposed;

    internal TestServer(IEchoServer server, ServerOptions options, EchoMetrics metrics, CapturedLogs logs, ILoggerFactory loggerFactory)
    {
        Server = server;
        Options = options;
        Metrics = metrics;
        Logs = logs;
        _loggerFactory = loggerFactory;
    }

    /// <summary>The server under test.</summary>
    public IEchoServer Server { get; }

    /// <summary>The options it runs with.</summary>
    public ServerOptions Options { get; }

    /// <summary>Its counters.</summary>
    public EchoMetrics Metrics { get; }

    /// <summary>Everything it logged.</summary>
    public CapturedLogs Logs { get; }

    /// <summary>Where it listens.</summary>
    public IPEndPoint EndPoint => Server.LocalEndPoint;

    /// <summary>A new client connected to it.</summary>
    public Task<TestClient> ConnectAsync(Action<System.Net.Sockets.Socket>? configure = null) => TestClient.ConnectAsync(EndPoint, configure);

    /// <summary>Waits (polling, bounded by <paramref name="timeout"/>) until <paramref name="condition"/> holds over the metrics; false if it never did.</summary>
    public async Task<bool> WaitForAsync(Func<MetricsSnapshot, bool> condition, TimeSpan? timeout = null)
    {
        var deadline = Environment.TickCount64 + (long)(timeout ?? TestClient.DefaultTimeout).TotalMilliseconds;
        while (!condition(Metrics.Snapshot()))
        {
            if (Environment.TickCount64 > deadline)
            {
                return false;
            }

            // Polling a condition, not sleeping for an outcome: the loop ends as soon as it holds.
            await Task.Yield();
            await Task.Delay(5);
        }

        return true;
    }

    /// <summary>Stops the server (idempotent); its connection event summaries are flushed to <see cref="Logs"/>, which stay readable.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await Server.DisposeAsync();
        Metrics.Dispose();
        _loggerFactory.Dispose();
    }
}
