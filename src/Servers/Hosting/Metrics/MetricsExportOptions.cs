using System.Net;

namespace EchoServers.Servers.Hosting.Metrics;

/// <summary>
/// Where the process's metrics go: a Prometheus scrape endpoint (<c>--metrics-port</c>, <c>--metrics-host</c>) and an
/// OTLP collector (<c>--otlp-endpoint</c>). Neither is on by default; a worker of <c>--processes</c> exports nothing of
/// its own (its supervisor serves the group).
/// </summary>
internal sealed record MetricsExportOptions
{
    /// <summary>The scrape endpoint's address. Default 127.0.0.1: metrics are not for the whole network unless asked.</summary>
    public IPAddress Host { get; init; } = IPAddress.Loopback;

    /// <summary>The scrape endpoint's port (0 picks a free one, logged); null serves no endpoint.</summary>
    public int? Port { get; init; }

    /// <summary>The OTLP/HTTP collector (e.g. http://127.0.0.1:4318); null pushes nothing.</summary>
    public Uri? OtlpEndpoint { get; init; }

    /// <summary>How often the OTLP exporter pushes. Default 10 s.</summary>
    public TimeSpan OtlpInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether anything is exported.</summary>
    public bool Enabled => Port is not null || OtlpEndpoint is not null;

    /// <summary>
    /// The URL the OTLP/HTTP exporter posts metrics to: the endpoint as given when it names a path, else its
    /// <c>/v1/metrics</c> (the SDK uses an endpoint set in code as is, unlike one from OTEL_EXPORTER_OTLP_ENDPOINT).
    /// </summary>
    public Uri? OtlpMetricsUrl => OtlpEndpoint is not { } endpoint
        ? null
        : endpoint.AbsolutePath is "" or "/" ? new Uri(endpoint, "/v1/metrics") : endpoint;
}
