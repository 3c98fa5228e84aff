using System.Net.Security;

namespace EchoServers.Servers.Connections.Tls;

/// <summary>
/// How a server-side handshake ended: the authenticated <paramref name="Stream"/>, or why it failed
/// (<paramref name="Failure"/>, to be reported once the connection's slot is free), or neither when the server
/// cancelled it on stop.
/// </summary>
internal readonly record struct HandshakeOutcome(SslStream? Stream, string? Failure);
