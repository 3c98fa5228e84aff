using System.Net;
using System.Net.Sockets;
using EchoServers.Servers.Kestrel;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace EchoServers.Servers.Hosting.Metrics;

/// <summary>
/// The process's metrics, exported through the OpenTelemetry SDK: the <c>EchoServers</c> meter (read by the SDK's
/// listener from the instruments the servers already update; nothing is added to the hot path), the runtime's and
/// the process's own instruments, served for Prometheus at <c>/metrics</c> by a small Kestrel host of its own (Kestrel
/// rather than HttpListener: it binds port 0 and says which port it got) and pushed over OTLP/HTTP when asked.
/// Disposing stops the endpoint and flushes a last OTLP export.
/// </summary>
internal sealed partial class MetricsExport : IAsyncDisposable
{
    private readonly MeterProvider _provider;
    private readonly WebApplication? _web;

    private MetricsExport(MeterProvider provider, WebApplication? web, IPEndPoint? endPoint)
    {
        _provider = provider;
        _web = web;
        EndPoint = endPoint;
    }

    /// <summary>The scrape endpoint's address, once bound; null without one.</summary>
    public IPEndPoint? EndPoint { get; }

    /// <summary>Starts the export, or says in one line why it cannot (the scrape port in use, or not bindable).</summary>
    public static async Task<(MetricsExport? Export, string? Error)> TryStartAsync(MetricsExportOptions options, string serviceName, ILogger logger)
    {
        try
        {
            return (await StartAsync(options, serviceName, logger), null);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            return (null, $"cannot serve metrics on {options.Host}:{options.Port}: address already in use");
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            return (null, $"cannot serve metrics on {options.Host}:{options.Port}: {ex.Message}");
        }
    }

    /// <summary>Starts the export; throws <see cref="SocketException"/> when the scrape port cannot be bound.</summary>
    public static async Task<MetricsExport> StartAsync(MetricsExportOptions options, string serviceName, ILogger logger)
    {
        var builder = Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .AddMeter(EchoMetrics.MeterName)
            .AddRuntimeInstrumentation()
            .AddProcessInstrumentation();
        if (options.Port is not null)
        {
            builder.AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0);
        }

        if (options.OtlpMetricsUrl is { } otlp)
        {
            builder.AddOtlpExporter((exporter, reader) =>
            {
                exporter.Endpoint = otlp;
                exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)options.OtlpInterval.TotalMilliseconds;

                // Counters as running totals, as Prometheus has them: a lost push loses nothing.
                reader.TemporalityPreference = MetricReaderTemporalityPreference.Cumulative;
            });
        }

        var provider = builder.Build();
        if (options.Port is not { } port)
        {
            LogOtlp(logger, options.OtlpMetricsUrl!, options.OtlpInterval.TotalSeconds);
            return new MetricsExport(provider, web: null, endPoint: null);
        }

        WebApplication? web = null;
        try
        {
            web = BuildWeb(provider, new IPEndPoint(options.Host, port));
            await web.StartAsync();
            var bound = BoundEndPoint(web);
            LogScrape(logger, bound);
            if (options.OtlpMetricsUrl is { } url)
            {
                LogOtlp(logger, url, options.OtlpInterval.TotalSeconds);
            }

            return new MetricsExport(provider, web, bound);
        }
        catch (Exception ex)
        {
            if (web is not null)
            {
                await web.DisposeAsync();
            }

            provider.Dispose();
            if (ex is IOException { InnerException: AddressInUseException })
            {
                throw new SocketException((int)SocketError.AddressAlreadyInUse);
            }

            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_web is not null)
        {
            await _web.StopAsync();
            await _web.DisposeAsync();
        }

        // Flushes the OTLP exporter: the last totals reach the collector before the process exits.
        _provider.Dispose();
    }

    private static WebApplication BuildWeb(MeterProvider provider, IPEndPoint endPoint)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IHostLifetime, SilentHostLifetime>();
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(endPoint);
        });
        var web = builder.Build();
        web.UseOpenTelemetryPrometheusScrapingEndpoint(provider, predicate: null, path: "/metrics", configureBranchedPipeline: null, optionsName: null);
        return web;
    }

    private static IPEndPoint BoundEndPoint(WebApplication web)
    {
        var address = web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var uri = new Uri(address);
        return new IPEndPoint(IPAddress.Parse(uri.Host.Trim('[', ']')), uri.Port);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "metrics on http://{EndPoint}/metrics (Prometheus text format)")]
    private static partial void LogScrape(ILogger logger, IPEndPoint endPoint);

    [LoggerMessage(Level = LogLevel.Information, Message = "metrics pushed to {Url} every {Seconds:0.#} s (OTLP/HTTP protobuf)")]
    private static partial void LogOtlp(ILogger logger, Uri url, double seconds);
}
