using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using EchoServers.Linux;

namespace EchoServers.Load.Engine.Tls;

/// <summary>One opened TLS connection: the socket, the stream over it, and how long the handshake took.</summary>
internal sealed record TlsOpened(Socket Socket, SslStream Stream, long HandshakeTicks);

/// <summary>
/// What the TLS engine adds on top of a TCP connection: the client handshake within <c>--connect-timeout</c>, each
/// way it can fail a <see cref="TlsOpenFailure"/> with its cause and one line saying why. The TCP connection itself
/// is the run core's: the connect phase's <see cref="Connector"/> for a slot's first connection, and for churn's
/// reconnects <see cref="ConnectAsync"/> — the same <see cref="TcpConnect"/>, awaited by the run's <see cref="ConnectWaiter"/>.
/// </summary>
internal static class TlsOpener
{
    /// <summary>
    /// Churn: a TCP connect through <see cref="TcpConnect"/>, awaited by <paramref name="waiter"/>; returns the
    /// connected socket, or throws the failure by cause.
    /// </summary>
    public static async Task<Socket> ConnectAsync(RunContext run, ConnectWaiter waiter, RawSocketAddress? source, CancellationToken cancellationToken)
    {
        var target = run.Options.Target;
        var errno = TcpConnect.Begin(run.TargetAddress, source, out var fd);
        if (errno == 0)
        {
            try
            {
                errno = await waiter.WaitAsync(fd, Stopwatch.GetTimestamp() + run.ConnectTimeoutTicks).WaitAsync(cancellationToken);
            }
            catch
            {
                TcpConnect.Close(fd);
                throw;
            }

            if (errno == 0)
            {
                return new Socket(new SafeSocketHandle(fd, ownsHandle: true));
            }

            TcpConnect.Close(fd);
        }

        throw errno == Errno.ETIMEDOUT
            ? new TlsOpenFailure(ConnectFailure.Timeout, inHandshake: false, TcpConnect.DescribeTimeout(target, run.Options.ConnectTimeout))
            : new TlsOpenFailure(ConnectFailures.FromErrno(errno), inHandshake: false, TcpConnect.Describe(target, errno));
    }

    /// <summary>The client handshake over <paramref name="socket"/> (a connected TCP socket, owned from now on).</summary>
    public static async Task<TlsOpened> HandshakeAsync(TlsTrust trust, Socket socket, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var connected = Stopwatch.GetTimestamp();
        var rejection = new StrongBox<string?>();
        var stream = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
        try
        {
            await stream.AuthenticateAsClientAsync(trust.ForHandshake(rejection), deadline.Token);
            return new TlsOpened(socket, stream, Stopwatch.GetTimestamp() - connected);
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
