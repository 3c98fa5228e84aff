using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Authentication;

namespace EchoServers.Load.Engine.Tls;

/// <summary>One opened TLS connection: the socket, the stream over it, and how long each step took.</summary>
internal sealed record TlsOpened(Socket Socket, SslStream Stream, long ConnectTicks, long HandshakeTicks);

/// <summary>
/// Opens one connection of the TLS engine: a TCP connect (from the share's source address, if any) within
/// <c>--connect-timeout</c>, then the client handshake within the same timeout. Every way it can fail becomes a
/// <see cref="TlsOpenFailure"/> with its cause and one line saying why.
/// </summary>
internal static class TlsOpener
{
    private const int IpBindAddressNoPort = 24;

    public static async Task<TlsOpened> OpenAsync(TlsTrust trust, IPAddress? source, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var target = trust.Target;
        var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var started = Stopwatch.GetTimestamp();
        try
        {
            if (source is not null)
            {
                // Port chosen at connect (IP_BIND_ADDRESS_NO_PORT), as the epoll engine's connects do.
                socket.SetRawSocketOption(0, IpBindAddressNoPort, BitConverter.GetBytes(1));
                socket.Bind(new IPEndPoint(source, 0));
            }

            await socket.ConnectAsync(target, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TlsOpenFailure(ConnectFailure.Timeout, inHandshake: false, $"connect to {target} timed out after {timeout.TotalMilliseconds:0} ms");
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new TlsOpenFailure(ConnectFailures.FromSocketError(ex.SocketErrorCode), inHandshake: false, $"connect to {target} failed: {ex.SocketErrorCode} ({ex.Message})", ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var connected = Stopwatch.GetTimestamp();
        var rejection = new StrongBox<string?>();
        var stream = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
        try
        {
            await stream.AuthenticateAsClientAsync(trust.ForHandshake(rejection), deadline.Token);
            return new TlsOpened(socket, stream, connected - started, Stopwatch.GetTimestamp() - connected);
        }
        catch (Exception ex)
        {
            await stream.DisposeAsync();
            socket.Dispose();
            if (ex is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw Classify(ex, rejection.Value, trust, timeout);
        }
    }

    private static TlsOpenFailure Classify(Exception ex, string? rejection, TlsTrust trust, TimeSpan timeout) => ex switch
    {
        AuthenticationException when rejection is not null =>
            new TlsOpenFailure(ConnectFailure.Other, inHandshake: true, trust.Untrusted(rejection), ex) { Untrusted = true },
        OperationCanceledException =>
            new TlsOpenFailure(ConnectFailure.Timeout, inHandshake: true, $"TLS handshake with {trust.Target} timed out after {timeout.TotalMilliseconds:0} ms (is it a TLS server, started with --tls?)", ex),
        IOException { InnerException: SocketException socket } =>
            new TlsOpenFailure(ConnectFailures.FromSocketError(socket.SocketErrorCode), inHandshake: true, $"TLS handshake with {trust.Target} failed: {socket.SocketErrorCode} ({socket.Message})", ex),

        // The server closed the connection instead of answering the ClientHello: turned away (a full server), as
        // the epoll engine counts a close before any reply.
        IOException => new TlsOpenFailure(ConnectFailure.Refused, inHandshake: true, $"TLS handshake with {trust.Target} failed: {Innermost(ex)} (is it a TLS server, started with --tls?)", ex),
        AuthenticationException => new TlsOpenFailure(ConnectFailure.Other, inHandshake: true, $"TLS handshake with {trust.Target} failed: {Innermost(ex)} (is it a TLS server, started with --tls?)", ex),
        _ => new TlsOpenFailure(ConnectFailure.Other, inHandshake: true, $"TLS handshake with {trust.Target} failed: {Innermost(ex)}", ex),
    };

    private static string Innermost(Exception exception)
    {
        var innermost = exception;
        while (innermost.InnerException is { } inner)
        {
            innermost = inner;
        }

        return innermost == exception ? exception.Message : $"{exception.Message} ({innermost.Message})";
    }
}
