using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using EchoServers.Protocol.Framing;
using EchoServers.Servers.Hosting;

namespace EchoServers.Servers.Connections.Tls;

/// <summary>
/// A server's TLS, made once: the certificate (with its chain context, so no handshake builds a chain), the
/// authentication options every handshake shares (TLS 1.2 and 1.3 only, no client certificate, no renegotiation),
/// the handshake deadline, and the handshakes themselves for the models that run SslStream (threads, pool, and async over any transport).
/// A handshake that fails or misses its deadline closes that connection and is counted as
/// <see cref="ConnectionEvent.HandshakeFailed"/>; it never reaches the session.
/// </summary>
internal sealed class ServerTls : IDisposable
{
    /// <summary>The versions offered: nothing older than TLS 1.2.</summary>
    public const SslProtocols Protocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    private readonly ConnectionEventLog _events;
    private readonly EchoMetrics _metrics;
    private readonly bool _ownsCertificate;
    private readonly SslStreamCertificateContext _certificateContext;

    private ServerTls(X509Certificate2 certificate, bool ownsCertificate, TimeSpan handshakeTimeout, FramingKind framing, ConnectionEventLog events, EchoMetrics metrics)
    {
        Certificate = certificate;
        _ownsCertificate = ownsCertificate;
        HandshakeTimeout = handshakeTimeout;
        _events = events;
        _metrics = metrics;
        _certificateContext = SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true);
        AuthenticationOptions = CreateAuthenticationOptions();
        Refusals = new TlsRefuser(this, framing);
    }

    /// <summary>The server certificate.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>How long a handshake may take.</summary>
    public TimeSpan HandshakeTimeout { get; }

    /// <summary>What every handshake is given (shared, never changed after construction).</summary>
    public SslServerAuthenticationOptions AuthenticationOptions { get; }

    /// <summary>Refusals (limits, full queue, stopping) told over TLS, so a TLS client can read why.</summary>
    public TlsRefuser Refusals { get; }

    /// <summary>The TLS of a server with <paramref name="options"/>, or null when it serves plain TCP.</summary>
    /// <exception cref="TlsSetupException">The certificate cannot be loaded or made.</exception>
    public static ServerTls? For(ServerOptions options, ConnectionEventLog events, EchoMetrics metrics) => options.Tls is { } tls
        ? new ServerTls(ServerCertificate.Resolve(tls, options.Host), ownsCertificate: tls.Certificate is null, tls.EffectiveHandshakeTimeout(options.Protocol.FrameTimeout), options.Protocol.Framing, events, metrics)
        : null;

    /// <summary>
    /// The server side of the handshake over a blocking <paramref name="socket"/>, on the connection's own thread.
    /// The deadline shuts the socket down under a handshake that stalls (which wakes the blocked receive). Not
    /// counted here when it fails: the caller gives the connection's slot back first, then reports
    /// <see cref="HandshakeOutcome.Failure"/> with <see cref="Failed(EndPoint?, string)"/>. <paramref name="transport"/>,
    /// when given, is the stream over <paramref name="socket"/> the session's records travel on.
    /// </summary>
    public HandshakeOutcome Authenticate(Socket socket, Stream? transport = null)
    {
        var stream = new SslStream(transport ?? new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
        using var deadline = new CancellationTokenSource(HandshakeTimeout);
        Exception? error = null;
        using (deadline.Token.UnsafeRegister(static state => ShutdownQuietly((Socket)state!), socket))
        {
            try
            {
                stream.AuthenticateAsServer(AuthenticationOptions);
            }
            catch (Exception ex) when (IsHandshakeFailure(ex))
            {
                error = ex;
            }
        }

        // After the registration is gone: a deadline that fired just as the handshake ended has shut the socket.
        if (error is null && !deadline.IsCancellationRequested)
        {
            _metrics.HandshakeCompleted();
            return new HandshakeOutcome(stream, null);
        }

        stream.Dispose();
        return new HandshakeOutcome(null, Reason(error, deadline.IsCancellationRequested));
    }

    /// <summary>
    /// The server side of the handshake over <paramref name="transport"/> (the transport connection's pipes as a
    /// stream), asynchronously, within the deadline. A failure is reported by the caller (see <see cref="Authenticate"/>);
    /// when <paramref name="cancellationToken"/> ended it (the server is closing) there is neither stream nor failure.
    /// </summary>
    public async Task<HandshakeOutcome> AuthenticateAsync(Stream transport, CancellationToken cancellationToken)
    {
        var stream = new SslStream(transport, leaveInnerStreamOpen: false);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(HandshakeTimeout);
        try
        {
            await stream.AuthenticateAsServerAsync(AuthenticationOptions, deadline.Token);
            _metrics.HandshakeCompleted();
            return new HandshakeOutcome(stream, null);
        }
        catch (Exception ex) when (IsHandshakeFailure(ex))
        {
            await stream.DisposeAsync();
            return new HandshakeOutcome(null, cancellationToken.IsCancellationRequested ? null : Reason(ex, deadline.IsCancellationRequested));
        }
    }

    /// <summary>
    /// A new set of the authentication options (for a host that may fill in what it needs, as Kestrel does ALPN),
    /// sharing the certificate context.
    /// </summary>
    public SslServerAuthenticationOptions CreateAuthenticationOptions() => new()
    {
        ServerCertificateContext = _certificateContext,
        EnabledSslProtocols = Protocols,
        ClientCertificateRequired = false,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        AllowRenegotiation = false,
    };

    /// <summary>Counts a handshake that completed elsewhere (Kestrel's TLS middleware).</summary>
    public void Completed() => _metrics.HandshakeCompleted();

    /// <summary>Counts and logs a failed handshake (summed up per interval with the first one's peer and reason).</summary>
    public void Failed(EndPoint? peer, string reason) => _events.HandshakeFailed(peer, reason);

    /// <summary>Why a handshake failed: "not complete within 10s" when the deadline ended it, else the exception's messages.</summary>
    public string Reason(Exception? error, bool timedOut) =>
        timedOut ? $"not complete within {Protocol.Text.DurationText.Format(HandshakeTimeout)}" : Describe(error);

    public void Dispose()
    {
        Refusals.Dispose();
        if (_ownsCertificate)
        {
            Certificate.Dispose();
        }
    }

    /// <summary>What a handshake may end in besides success: the peer's doing, not a server fault.</summary>
    public static bool IsHandshakeFailure(Exception exception) =>
        exception is AuthenticationException or IOException or SocketException or ObjectDisposedException or OperationCanceledException;

    /// <summary>The innermost useful message: "Received an unexpected EOF", "SSL Handshake failed with OpenSSL error - …", "Connection reset by peer".</summary>
    private static string Describe(Exception? error)
    {
        if (error is null)
        {
            return "closed";
        }

        var innermost = error;
        while (innermost.InnerException is { } inner)
        {
            innermost = inner;
        }

        return innermost == error ? error.Message : $"{error.Message} ({innermost.Message})";
    }

    private static void ShutdownQuietly(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already closed.
        }
    }
}
