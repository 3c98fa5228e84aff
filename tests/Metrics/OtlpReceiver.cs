using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EchoServers.Tests.Metrics;

/// <summary>
/// The smallest OTLP/HTTP collector a test needs: accepts one connection at a time on port 0, reads one request
/// (head and Content-Length body), answers 200 with an empty body, and keeps the first request for the test.
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<Request> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _accepting;

    private OtlpReceiver(Socket listener)
    {
        _listener = listener;
        _accepting = AcceptAsync();
    }

    public sealed record Request(string Line, string ContentType, byte[] Body);

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    public Task<Request> FirstRequest => _first.Task;

    public static OtlpReceiver Start()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        return new OtlpReceiver(listener);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (true)
        {
            using var client = await _listener.AcceptAsync(_stop.Token);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            var buffer = new List<byte>();
            var chunk = new byte[16384];
            int headEnd;
            while ((headEnd = IndexOf(buffer, "\r\n\r\n"u8)) < 0)
            {
                var read = await client.ReceiveAsync(chunk, timeout.Token);
                if (read == 0)
                {
                    break;
                }

                buffer.AddRange(chunk.AsSpan(0, read));
            }

            if (headEnd < 0)
            {
                continue;
            }

            var head = Encoding.ASCII.GetString([.. buffer.Take(headEnd)]).Split("\r\n");
            string Header(string name) => head.Skip(1).Select(h => h.Split(':', 2)).Where(h => h[0].Trim().Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h[1].Trim()).FirstOrDefault() ?? "";
            var length = int.Parse(Header("Content-Length") is { Length: > 0 } l ? l : "0", System.Globalization.CultureInfo.InvariantCulture);
            while (buffer.Count < headEnd + 4 + length)
            {
                var read = await client.ReceiveAsync(chunk, timeout.Token);
                if (read == 0)
                {
                    break;
                }

                buffer.AddRange(chunk.AsSpan(0, read));
            }

            await client.SendAsync("HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray(), timeout.Token);
            var line = head[0].Split(' ');
            _first.TrySetResult(new Request($"{line[0]} {line[1]}", Header("Content-Type"), [.. buffer.Skip(headEnd + 4).Take(length)]));
        }
    }

    private static int IndexOf(List<byte> buffer, ReadOnlySpan<byte> needle)
    {
        for (var i = 0; i + needle.Length <= buffer.Count; i++)
        {
            var match = true;
            for (var j = 0; j < needle.Length && match; j++)
            {
                match = buffer[i + j] == needle[j];
            }

            if (match)
            {
                return i;
            }
        }

        return -1;
    }
}
