using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;

namespace EchoServers.Servers.Hosting.Cli;

/// <summary>
/// Serilog behind Microsoft.Extensions.Logging: plain lines on stdout (tests and the bench read the
/// <c>listening on</c> line from there), optionally a file. Microsoft.* (Kestrel, hosting) only from Warning.
/// </summary>
internal static class HostLogging
{
    public const string ConsoleTemplate = "{Timestamp:HH:mm:ss} {Level:u3} {Message:lj}{NewLine}{Exception}";

    public const string FileTemplate = "{Timestamp:yyyy-MM-dd HH:mm:ss.fff} {Level:u3} [{SourceContext}] {Message:lj}{NewLine}{Exception}";

    public static ILoggerFactory Create(LoggingOptions options)
    {
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Is(options.Level)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .WriteTo.Console(outputTemplate: ConsoleTemplate);
        if (options.File is { } file)
        {
            configuration = configuration.WriteTo.File(file, outputTemplate: FileTemplate);
        }

        return new SerilogLoggerFactory(configuration.CreateLogger(), dispose: true);
    }
}
