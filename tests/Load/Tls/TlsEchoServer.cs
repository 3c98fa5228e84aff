using System.Security.Cryptography.X509Certificates;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Transforms;
using EchoServers.Servers.Connections.Tls;
using EchoServers.Servers.Hosting;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Load.Tls;

/// <summary>A real <c>--tls</c> echo server for the TLS engine's tests: the async model on the socket transport, in process, on 127.0.0.1:0.</summary>
internal static class TlsEchoServer
{
    public static Task<TestServer> StartAsync(
        X509Certificate2 certificate, FramingKind framing = FramingKind.Raw, TransformKind transform = TransformKind.Echo, ServerModel model = ServerModel.Async) =>
        TestServers.StartAsync(model, o => o with
        {
            Transport = TransportKind.Sockets,
            Protocol = o.Protocol with { Framing = framing, Transform = transform },
            Tls = new TlsOptions { Certificate = certificate },
        });
}
