using EchoServers.Servers.Async;
using EchoServers.Servers.EventLoop;
using EchoServers.Servers.Kestrel;
using EchoServers.Servers.Pool;
using EchoServers.Servers.Threads;
using Microsoft.Extensions.Logging;

namespace EchoServers.Servers.Hosting;

/// <summary>Builds the server of the model named in the options; the host and the tests start every model here.</summary>
public static class ServerFactory
{
    /// <summary>Creates (does not start) the server for <see cref="ServerOptions.Model"/>.</summary>
    /// <exception cref="NotSupportedException">The model cannot run on this platform.</exception>
    /// <exception cref="Connections.Tls.TlsSetupException">--tls: the certificate cannot be loaded or made.</exception>
    public static IEchoServer Create(ServerOptions options, EchoMetrics metrics, ILoggerFactory loggerFactory) => options.Model switch
    {
        _ when options.Tls is not null && !SupportsTls(options) => throw new NotSupportedException("--tls is not supported by the eventloop model"),
        ServerModel.Threads => new ThreadsEchoServer(options, metrics, loggerFactory),
        ServerModel.Pool => new PoolEchoServer(options, metrics, loggerFactory),
        ServerModel.Async => new AsyncEchoServer(options, metrics, loggerFactory),
        ServerModel.Kestrel => new KestrelEchoServer(options, metrics, loggerFactory),
        ServerModel.EventLoop => new EventLoopEchoServer(options, metrics, loggerFactory),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Model, "unknown server model"),
    };

    /// <summary>Whether the model in <paramref name="options"/> can serve <c>--tls</c> (TLS is a connection layer over any transport).</summary>
    public static bool SupportsTls(ServerOptions options) => options.Model != ServerModel.EventLoop;
}
