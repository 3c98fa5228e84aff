using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using EchoServers.Protocol.Framing;

namespace EchoServers.Tests.Reliability;

/// <summary>What one well-behaved exchange got back, and how it ended.</summary>
/// <param name="Received">Every byte received before the end.</param>
/// <param name="Error">Null for a clean end of stream; otherwise the socket error that ended it (send or receive).</param>
/// <param name="Elapsed">From connect to the end.</param>
public sealed record ExchangeResult(byte[] Received, SocketError? Error, TimeSpan Elapsed);

/// <summary>The well-behaved client of the reliability cases: sends, half-closes, reads to the end, checks.</summary>
public static class EchoProbe
{
    /// <summary>Upper bound for one probe; cases stay far below it.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Connects, sends <paramref name="wire"/> in writes of <paramref name="sendChunk"/> bytes while reading,
    /// half-closes, and reads until the server closes. Socket errors are returned, not thrown: a test decides
    /// whether a reset was expected. Throws <see cref="TimeoutException"/> after <see cref="Timeout"/>.
    /// </summary>
    public static async Task<ExchangeResult> ExchangeAsync(IPEndPoint endPoint, byte[] wire, CancellationToken cancellationToken, int sendChunk = 64 * 1024)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        var started = Stopwatch.GetTimestamp();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            try
            {
                await socket.ConnectAsync(endPoint, timeout.Token);
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionRefused)
            {
                // Refused, or reset before the connect was reported: a failure to report like any other.
                return new ExchangeResult([], ex.SocketErrorCode, Stopwatch.GetElapsedTime(started));
            }

            var receiving = ReceiveAllAsync(socket, timeout.Token);
            var sendError = await SendAllAsync(socket, wire, sendChunk, timeout.Token);
            var (received, receiveError) = await receiving;
            return new ExchangeResult(received, receiveError ?? sendError, Stopwatch.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"echo exchange with {endPoint} did not end within {Timeout}");
        }
    }

    /// <summary>Random frames for <paramref name="framing"/> totalling about <paramref name="payloadBytes"/> (line payloads are letters only).</summary>
    public static byte[] RandomWire(FramingKind framing, int payloadBytes, int maxFrame = 4096)
    {
        var framer = new SpanFramer(framing);
        var wire = new List<byte>(payloadBytes + 1024);
        var left = payloadBytes;
        while (left > 0)
        {
            var size = Math.Min(left, Random.Shared.Next(1, maxFrame + 1));
            var payload = RandomNumberGenerator.GetBytes(size);
            if (framing == FramingKind.Line)
            {
                for (var i = 0; i < payload.Length; i++)
                {
                    payload[i] = (byte)('a' + (payload[i] % 26));
                }
            }

            wire.AddRange(framer.Encode(payload));
            left -= size;
        }

        return [.. wire];
    }

    /// <summary>The survival check: a fresh client's random frames come back byte for byte (SHA-256), ending cleanly.</summary>
    public static async Task AssertEchoesAsync(IPEndPoint endPoint, FramingKind framing, CancellationToken cancellationToken, int payloadBytes = 64 * 1024)
    {
        var wire = RandomWire(framing, payloadBytes);
        var result = await ExchangeAsync(endPoint, wire, cancellationToken);
        Assert.Null(result.Error);
        Assert.Equal(wire.Length, result.Received.Length);
        Assert.Equal(SHA256.HashData(wire), SHA256.HashData(result.Received));
    }

    private static async Task<SocketError?> SendAllAsync(Socket socket, byte[] wire, int chunk, CancellationToken cancellationToken)
    {
        try
        {
            for (var offset = 0; offset < wire.Length; offset += chunk)
            {
                await socket.SendAsync(wire.AsMemory(offset, Math.Min(chunk, wire.Length - offset)), SocketFlags.None, cancellationToken);
            }

            socket.Shutdown(SocketShutdown.Send);
            return null;
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown or SocketError.ConnectionAborted or SocketError.NotConnected)
        {
            return ex.SocketErrorCode;
        }
    }

    private static async Task<(byte[] Received, SocketError? Error)> ReceiveAllAsync(Socket socket, CancellationToken cancellationToken)
    {
        var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
                if (read == 0)
                {
                    return (received.ToArray(), null);
                }

                received.Write(buffer, 0, read);
            }
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            return (received.ToArray(), ex.SocketErrorCode);
        }
    }
}
