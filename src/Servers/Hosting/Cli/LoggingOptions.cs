using Serilog.Events;

namespace EchoServers.Servers.Hosting.Cli;

/// <summary>The log level and the optional log file.</summary>
internal sealed record LoggingOptions(LogEventLevel Level, string? File);
