using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography.X509Certificates;
using EchoServers.Servers.Connections.Tls;
using EchoServers.Servers.Hosting.Metrics;
using EchoServers.Servers.Hosting.Processes;
using Microsoft.Extensions.Logging;

namespace EchoServers.Servers.Hosting.Cli;

/// <summary>
/// Runs one server until SIGINT/SIGTERM: start, log <c>listening on ip:port</c>, periodic stats, then stop with
/// the drain timeout and exit 0. A second signal while draining aborts the rest at once.
/// </summary>
internal static class ServerRunner
{
    public static async Task<int> RunAsync(ServerOptions options, LoggingOptions logging, MetricsExportOptions? export = null)
    {
        using var loggerFactory = HostLogging.Create(logging);
        var logger = loggerFactory.CreateLogger("EchoServers.Host");
        using var metrics = new EchoMetrics();
        var worker = WorkerIdentity.Current;
        if (worker is not null)
        {
            options = worker.Apply(options);
        }

        var fdLimit = DescriptorBudget.OpenFileLimit();
        var maxConnections = DescriptorBudget.Clamp(options.MaxConnections, fdLimit);
        if (maxConnections < options.MaxConnections)
        {
            ProcessLog.DescriptorBudget(logger, options.MaxConnections, maxConnections, fdLimit ?? 0);
            options = options with { MaxConnections = maxConnections };
        }

        // Before the first socket: the runtime reads this once, when its socket engine starts.
        InlineSocketCompletions.ApplyFor(options);

        // Loaded (or made) once, here, so that its fingerprint can be logged; the server uses it as is.
        X509Certificate2? certificate = null;
        if (options.Tls is { } tls)
        {
            try
            {
                certificate = ServerCertificate.Resolve(tls, options.Host);
            }
            catch (TlsSetupException ex)
            {
                return StartFailure.Report(ex.Message);
            }

            if (ServerCertificate.KeyPermissionWarning(tls) is { } warning)
            {
                ProcessLog.KeyPermissions(logger, warning);
            }

            options = options with { Tls = tls with { Certificate = certificate } };
        }

        using var ownedCertificate = certificate;

        IEchoServer server;
        try
        {
            server = ServerFactory.Create(options, metrics, loggerFactory);
        }
        catch (NotSupportedException ex)
        {
            return StartFailure.Report($"the {Name(options.Model)} model cannot run here: {ex.Message}");
        }
        catch (TlsSetupException ex)
        {
            return StartFailure.Report(ex.Message);
        }

        // Subscribed before the loops start, so a crash during the start is not missed.
        var crashed = new TaskCompletionSource<(string What, Exception Error)>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnFatal(string what, Exception error) => crashed.TrySetResult((what, error));
        FatalErrors.Raised += OnFatal;
        try
        {
            return await RunServerAsync(server, options, logger, loggerFactory, metrics, certificate, worker, export, crashed.Task);
        }
        finally
        {
            FatalErrors.Raised -= OnFatal;
        }
    }

    private static async Task<int> RunServerAsync(
        IEchoServer server,
        ServerOptions options,
        ILogger logger,
        ILoggerFactory loggerFactory,
        EchoMetrics metrics,
        X509Certificate2? certificate,
        WorkerIdentity? worker,
        MetricsExportOptions? export,
        Task<(string What, Exception Error)> crashed)
    {
        var exitCode = 0;
        await using (server)
        {
            try
            {
                await server.StartAsync(CancellationToken.None);
            }
            catch (SocketException ex)
            {
                return StartFailure.CannotListen(options.EndPoint, ex);
            }
            catch (NotSupportedException ex)
            {
                return StartFailure.Report($"the {Name(options.Model)} model cannot run here: {ex.Message}");
            }
            catch (IOException ex)
            {
                // Kestrel reports bind failures other than "in use" (e.g. permission denied) this way.
                return StartFailure.Report($"cannot listen on {options.EndPoint}: {ex.Message}");
            }

            var stopRequested = new TaskCompletionSource<PosixSignal>(TaskCreationOptions.RunContinuationsAsynchronously);
            using var abort = new CancellationTokenSource();
            void OnSignal(PosixSignalContext context)
            {
                // Keep the process alive: stopping is ours to do.
                context.Cancel = true;
                if (worker is not null && context.Signal == PosixSignal.SIGINT)
                {
                    // Ctrl-C reaches the whole process group; a worker's supervisor relays it once, as SIGTERM.
                    return;
                }

                if (!stopRequested.TrySetResult(context.Signal))
                {
                    abort.Cancel();
                }
            }

            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

            // A worker's metrics reach the export through its supervisor, which serves the group.
            var (exported, exportError) = worker is null && export is { Enabled: true }
                ? await MetricsExport.TryStartAsync(export, "echo-server", logger)
                : (null, null);
            await using var ownedExport = exported;
            if (exportError is not null)
            {
                return StartFailure.Report(exportError);
            }

            var endPoint = server.LocalEndPoint;
            var model = Name(options.Model);
            var framing = options.Protocol.Framing.ToString().ToLowerInvariant();
            var transform = options.Protocol.Transform.ToString().ToLowerInvariant();
            if (logger.IsEnabled(LogLevel.Information))
            {
                ProcessLog.Listening(logger, endPoint, model, framing, transform);
                if (options.Model is ServerModel.Async or ServerModel.Kestrel)
                {
                    var epoll = options.EffectiveTransport == TransportKind.Epoll;
                    ProcessLog.Transport(logger, epoll ? "epoll" : "sockets", epoll ? options.Loops : 0);
                }

                if (certificate is not null)
                {
                    LogCertificate(logger, certificate, options);
                }
            }
            else
            {
                // Scripts wait for this line whatever the log level.
                Console.Out.WriteLine($"listening on {endPoint}");
            }

            using var channel = worker is null ? null : new WorkerChannel(metrics, () => stopRequested.TrySetResult(PosixSignal.SIGTERM));
            using (var stats = new StatsReporter(metrics, loggerFactory.CreateLogger("EchoServers.Stats"), worker is null ? options.StatsInterval : TimeSpan.Zero))
            {
                if (await Task.WhenAny(stopRequested.Task, crashed) == crashed)
                {
                    // Part of the server is gone: reset what is left at once and exit non-zero to be restarted.
                    ProcessLog.Crashed(logger, crashed.Result.What, FatalExitCode);
                    exitCode = FatalExitCode;
                    await server.StopAsync(TimeSpan.Zero, abort.Token);
                }
                else
                {
                    var signal = (await stopRequested.Task).ToString();
                    var drain = Protocol.Text.DurationText.Format(options.DrainTimeout);
                    ProcessLog.Stopping(logger, signal, drain, metrics.Active);
                    await server.StopAsync(options.DrainTimeout, abort.Token);
                }

                if (channel is null)
                {
                    stats.Report();
                }
                else
                {
                    // The supervisor logs the group's stats line from these totals.
                    channel.Report();
                }
            }

            ProcessLog.Stopped(logger);
        }

        return exitCode;
    }

    private static void LogCertificate(ILogger logger, X509Certificate2 certificate, ServerOptions options)
    {
        var notAfter = certificate.NotAfter.ToUniversalTime().ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture);
        var deadline = Protocol.Text.DurationText.Format(options.Tls!.EffectiveHandshakeTimeout(options.Protocol.FrameTimeout));
        var source = options.Tls.CertificatePath ?? "self-signed at start-up";
        var names = ServerCertificate.AlternativeNames(certificate);
        var fingerprint = ServerCertificate.Fingerprint(certificate);
        ProcessLog.Tls(logger, certificate.Subject, names, source, notAfter, deadline, fingerprint);
    }

    /// <summary>The exit code after a loop thread crashed (see <see cref="FatalErrors"/>).</summary>
    public const int FatalExitCode = 3;

    private static string Name(ServerModel model) => model.ToString().ToLowerInvariant();
}
