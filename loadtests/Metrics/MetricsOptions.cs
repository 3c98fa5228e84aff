using System.CommandLine;
using System.Net;
using System.Net.Sockets;

namespace EchoServers.Load.Metrics;

/// <summary>
/// <c>--metrics-port</c> and <c>--metrics-host</c> of <c>run</c>, <c>sweep</c> and <c>bench</c>: the generator's live
/// metrics for Prometheus while the command runs.
/// </summary>
internal sealed class MetricsOptions
{
    private readonly Option<int?> _port = new("--metrics-port")
    {
        Description = "Serve the generator's live metrics for Prometheus at http://<metrics-host>:<port>/metrics while the command runs (0 picks a free port; the address is printed on stderr)",
        HelpName = "port",
    };

    private readonly Option<string> _host = new("--metrics-host")
    {
        Description = "Address of the --metrics-port endpoint",
        DefaultValueFactory = _ => "127.0.0.1",
        HelpName = "address",
    };

    public IEnumerable<Option> All => [_port, _host];

    /// <summary>Whether <c>--metrics-port</c> was given.</summary>
    public bool Requested(ParseResult parse) => parse.GetValue(_port) is not null;

    /// <summary>
    /// Starts the endpoint when <c>--metrics-port</c> was given and makes its <see cref="LoadMetrics"/> the current
    /// flow's. Synchronous on purpose: an async method's change to an AsyncLocal would not reach its caller.
    /// </summary>
    public bool TryStart(ParseResult parse, out MetricsEndpoint? endpoint, out string error)
    {
        endpoint = null;
        error = "";
        if (parse.GetValue(_port) is not { } port)
        {
            return true;
        }

        var hostText = parse.GetValue(_host)!;
        if (port is < 0 or > 65535)
        {
            error = $"--metrics-port: {port} is out of range (0 to 65535)";
            return false;
        }

        if (!IPAddress.TryParse(hostText == "localhost" ? "127.0.0.1" : hostText, out var host))
        {
            error = $"--metrics-host: '{hostText}' is not an IP address";
            return false;
        }

        var metrics = new LoadMetrics();
        try
        {
            endpoint = MetricsEndpoint.Start(new IPEndPoint(host, port), metrics);
        }
        catch (SocketException ex)
        {
            error = $"cannot serve metrics on {host}:{port}: {(ex.SocketErrorCode == SocketError.AddressAlreadyInUse ? "address already in use" : ex.Message)}";
            return false;
        }

        LoadMetrics.Current = metrics;
        Console.Error.WriteLine($"echo-load: metrics on http://{endpoint.EndPoint}/metrics");
        return true;
    }
}
