using System.Net.Sockets;

namespace EchoServers.Tests.EventLoop;

/// <summary>A client socket whose every wait has a timeout.</summary>
internal sealed class TestClient(Socket socket) : IDisposable
{
    public Socket Socket { get; } = socket;

    public async Task SendAsync(ReadOnlyMemory<byte> data)
    {
        using var cts = new CancellationTokenSource(RunningServer.Timeout);
        await Socket.SendAsync(data, SocketFlags.None, cts.Token);
    }

    /// <summary>Sends <paramref name="data"/> in random-sized writes.</summary>
    public async Task SendSplitAsync(ReadOnlyMemory<byte> data, Random random, int maxChunk = 8192)
    {
        for (var offset = 0; offset < data.Length;)
        {
            var chunk = Math.Min(random.Next(1, maxChunk + 1), data.Length - offset);
            await SendAsync(data.Slice(offset, chunk));
            offset += chunk;
        }
    }

    public async Task<byte[]> ReceiveExactlyAsync(int count)
    {
        var buffer = new byte[count];
        using var cts = new CancellationTokenSource(RunningServer.Timeout);
        for (var total = 0; total < count;)
        {
            var n = await Socket.ReceiveAsync(buffer.AsMemory(total), SocketFlags.None, cts.Token);
            Assert.True(n > 0, $"connection closed after {total} of {count} bytes");
            total += n;
        }

        return buffer;
    }

    /// <summary>Reads until the server closes (or <paramref name="max"/> bytes); returns what came.</summary>
    public async Task<byte[]> ReceiveToEndAsync(int max = 1 << 20)
    {
        using var cts = new CancellationTokenSource(RunningServer.Timeout);
        var buffer = new byte[max];
        var total = 0;
        while (total < max)
        {
            var n = await Socket.ReceiveAsync(buffer.AsMemory(total), SocketFlags.None, cts.Token);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return buffer[..total];
    }

    public async Task<byte[]> EchoAsync(byte[] request, int replyLength)
    {
        await SendAsync(request);
        return await ReceiveExactlyAsync(replyLength);
    }

    public void Dispose() => Socket.Dispose();
}
