using Microsoft.Extensions.Logging;

namespace EchoServers.Servers.Kestrel;

/// <summary>Routes the web host's own logging into the host's logger factory (Serilog), filtered to warnings by the builder.</summary>
internal sealed class ForwardingLoggerProvider(ILoggerFactory loggerFactory) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => loggerFactory.CreateLogger(categoryName);

    public void Dispose()
    {
        // The factory belongs to the host.
    }
}
