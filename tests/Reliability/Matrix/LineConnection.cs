using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using EchoServers.Protocol.Session;

namespace EchoServers.Tests.Reliability.Matrix;

/// <summary>How one line exchange of a crowd connection ended.</summary>
public enum LineOutcome
{
    /// <summary>The exact line came back and its checksum holds.</summary>
    Served,

    /// <summary>The server said why it would not serve (<c>ERROR: ...</c>) or closed before replying.</summary>
    Refused,

    /// <summary>A reply came back that is not the line sent: silent corruption, always a failure.</summary>
    Mismatch,

    /// <summary>The connection was reset.</summary>
    Reset,

    /// <summary>No reply within the window (a pool's queued connection, an fd-starved backlog).</summary>
    TimedOut,
}

/// <summary>
/// One well-behaved line-framed client of a crowd: sends a checksummed line (<c>id:seq:random:sha8</c>), reads the
/// reply, checks it byte for byte. Small buffers, so ten thousand of them fit in a test process.
/// </summary>
public sealed class LineConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[256];
    private int _length;

    private LineConnection(Socket socket, int id)
    {
        _socket = socket;
        Id = id;
    }

    /// <summary>A connect is given up after this long (SYNs dropped by a full accept queue retry for minutes).</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    public int Id { get; }

    /// <summary>Messages sent and replies received that matched.</summary>
    public int Sent { get; private set; }

    public int Received { get; private set; }

    /// <summary>The last <c>ERROR:</c> line the server sent, if any.</summary>
    public string? RefusalReason { get; private set; }

    public Socket Socket => _socket;

    /// <summary>Connects (null when refused or reset at connect).</summary>
    public static async Task<LineConnection?> ConnectAsync(IPEndPoint endPoint, int id, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var window = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        window.CancelAfter(ConnectTimeout);
        try
        {
            await socket.ConnectAsync(endPoint, window.Token);
            return new LineConnection(socket, id);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // A full accept queue drops SYNs: a connect that hangs is one the server could not take.
            socket.Dispose();
            return null;
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionRefused or SocketError.ConnectionReset or SocketError.TimedOut)
        {
            socket.Dispose();
            return null;
        }
    }

    /// <summary>A fresh checksummed line for message <paramref name="seq"/> of connection <paramref name="id"/>.</summary>
    public static string NewLine(int id, int seq)
    {
        var body = $"{id}:{seq}:{Convert.ToHexString(RandomNumberGenerator.GetBytes(16))}";
        return $"{body}:{Convert.ToHexString(SHA256.HashData(Encoding.ASCII.GetBytes(body)))[..8]}";
    }

    /// <summary>Sends one line and waits up to <paramref name="window"/> for its echo.</summary>
    public async Task<LineOutcome> ExchangeAsync(TimeSpan window, CancellationToken cancellationToken)
    {
        var line = NewLine(Id, Sent);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(window);
        try
        {
            await _socket.SendAsync(Encoding.ASCII.GetBytes(line + "\n"), SocketFlags.None, timeout.Token);
            Sent++;
            var reply = await ReadLineAsync(timeout.Token);
            if (reply is null)
            {
                return LineOutcome.Refused;
            }

            if (reply.StartsWith(ErrorLine.Prefix, StringComparison.Ordinal))
            {
                RefusalReason = reply;
                return LineOutcome.Refused;
            }

            if (reply != line)
            {
                return LineOutcome.Mismatch;
            }

            Received++;
            return LineOutcome.Served;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return LineOutcome.TimedOut;
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown)
        {
            return LineOutcome.Reset;
        }
    }

    /// <summary>Reads one line; null at end of stream. Throws on reset or cancellation.</summary>
    public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var newline = _buffer.AsSpan(0, _length).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var line = Encoding.ASCII.GetString(_buffer, 0, newline);
                _buffer.AsSpan(newline + 1, _length - newline - 1).CopyTo(_buffer);
                _length -= newline + 1;
                return line;
            }

            if (_length == _buffer.Length)
            {
                return Encoding.ASCII.GetString(_buffer, 0, _length);
            }

            var n = await _socket.ReceiveAsync(_buffer.AsMemory(_length), SocketFlags.None, cancellationToken);
            if (n == 0)
            {
                return null;
            }

            _length += n;
        }
    }

    public void Dispose() => _socket.Dispose();
}

/// <summary>Opens and exchanges over many <see cref="LineConnection"/>s, a bounded number at a time.</summary>
public static class Crowd
{
    /// <summary>Opens <paramref name="count"/> connections, <paramref name="parallelism"/> connects at a time; failed connects are left out.</summary>
    public static async Task<List<LineConnection>> OpenAsync(IPEndPoint endPoint, int count, CancellationToken cancellationToken, int parallelism = 200)
    {
        var opened = new LineConnection?[count];
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
            async (i, ct) => opened[i] = await LineConnection.ConnectAsync(endPoint, i, ct));
        return [.. opened.OfType<LineConnection>()];
    }

    /// <summary>One exchange on every connection at once; outcomes counted.</summary>
    public static async Task<Dictionary<LineOutcome, int>> ExchangeAllAsync(IEnumerable<LineConnection> connections, TimeSpan window, CancellationToken cancellationToken)
    {
        var outcomes = await Task.WhenAll(connections.Select(c => c.ExchangeAsync(window, cancellationToken)));
        return Enum.GetValues<LineOutcome>().ToDictionary(o => o, o => outcomes.Count(x => x == o));
    }

    public static string Describe(Dictionary<LineOutcome, int> counts) =>
        string.Join(", ", counts.Where(kv => kv.Value > 0).Select(kv => $"{kv.Value} {kv.Key.ToString().ToLowerInvariant()}"));

    public static void DisposeAll(IEnumerable<LineConnection> connections)
    {
        foreach (var c in connections)
        {
            c.Dispose();
        }
    }

    /// <summary>Round trips of one probe connection, in microseconds, sorted.</summary>
    public static async Task<double[]> ProbeLatenciesAsync(IPEndPoint endPoint, int count, CancellationToken cancellationToken)
    {
        using var probe = await LineConnection.ConnectAsync(endPoint, -1, cancellationToken) ?? throw new InvalidOperationException("probe could not connect");
        var samples = new double[count];
        for (var i = 0; i < count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var outcome = await probe.ExchangeAsync(EchoProbe.Timeout, cancellationToken);
            Assert.Equal(LineOutcome.Served, outcome);
            samples[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
        }

        Array.Sort(samples);
        return samples;
    }

    public static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
