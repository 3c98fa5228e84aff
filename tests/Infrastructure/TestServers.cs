using EchoServers.Servers.Hosting;

namespace EchoServers.Tests.Infrastructure;

/// <summary>Starts any server model in process on 127.0.0.1, port 0: <c>await using var server = await TestServers.StartAsync(ServerModel.Async, o => o with { ... })</c>.</summary>
public static class TestServers
{
    /// <summary>How long a server may take to start.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Options every test server starts from: port 0, no stats log, a short drain so disposal is quick.</summary>
    public static ServerOptions Defaults(ServerModel model) => new()
    {
        Model = model,
        Port = 0,
        StatsInterval = TimeSpan.Zero,
        DrainTimeout = TimeSpan.FromMilliseconds(200),
    };

    /// <summary>Creates and starts <paramref name="model"/> with <see cref="Defaults"/> changed by <paramref name="configure"/>.</summary>
    public static async Task<TestServer> StartAsync(ServerModel model, Func<ServerOptions, ServerOptions>? configure = null)
    {
        var options = Defaults(model);
        options = configure?.Invoke(options) ?? options;
        var logs = new CapturedLogs();
        var loggerFactory = logs.CreateFactory();
        var metrics = new EchoMetrics();
        var server = ServerFactory.Create(options, metrics, loggerFactory);
        try
        {
            using var cts = new CancellationTokenSource(StartTimeout);
            await server.StartAsync(cts.Token).WaitAsync(StartTimeout);
        }
        catch
        {
            await server.DisposeAsync();
            metrics.Dispose();
            loggerFactory.Dispose();
            throw;
        }

        return new TestServer(server, options, metrics, logs, loggerFactory);
    }
}
