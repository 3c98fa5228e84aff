using System.Collections.Concurrent;
using System.Buffers;
using EchoServers.Tests.Infrastructure;
using Microsoft.AspNetCore.Connections;

namespace EchoServers.Tests.Transport;

/// <summary>
/// The epoll transport's output, a writer whose flush sends: replies written straight from the caller's memory,
/// what the socket does not take kept (a copy) in order, and a flush from another thread that the loop's close
/// overtakes still reported as a success, so the app learns of the reset from its next read.
/// </summary>
public sealed class EpollOutputTests
{
    private static readonly TimeSpan Timeout = TestClient.DefaultTimeout;

    [Fact]
    public async Task WriteAsync_to_a_peer_that_reads_late_keeps_every_byte_in_order_though_the_caller_reuses_its_memory()
    {
        const int Chunk = 16 * 1024, Chunks = 256;
        var flushWaited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TransportServer.StartAsync(loops: 1, app: async connection =>
        {
            // Waits for the client's first byte so that this runs on the loop thread (inline scheduling): the
            // write-through path. One buffer, overwritten after every write: what the socket did not take must
            // have been copied before WriteAsync returned.
            var input = connection.Transport.Input;
            var first = await input.ReadAsync();
            input.AdvanceTo(first.Buffer.End);
            var output = connection.Transport.Output;
            var buffer = new byte[Chunk];
            for (var i = 0; i < Chunks; i++)
            {
                Payloads.Random(Chunk, seed: i).CopyTo(buffer, 0);
                var write = output.WriteAsync(buffer);
                if (!write.IsCompleted)
                {
                    flushWaited.TrySetResult();
                }

                Array.Clear(buffer);
                await write;
            }

            await output.CompleteAsync();
        });
        await using var client = await TestClient.ConnectAsync(server.EndPoint);
        await client.SendAsync(new byte[] { 1 });
        await flushWaited.Task.WaitAsync(Timeout, TestContext.Current.CancellationToken);

        var (data, reset) = await client.ReceiveToEndAsync(TimeSpan.FromSeconds(30));
        Assert.False(reset);
        var expected = Enumerable.Range(0, Chunks).SelectMany(i => Payloads.Random(Chunk, seed: i)).ToArray();
        Assert.Equal(Payloads.Sha256(expected), Payloads.Sha256(data));
    }

    [Fact]
    public async Task A_reset_after_the_reply_reaches_an_app_that_flushes_from_another_thread_as_a_reset_every_time()
    {
        const int Clients = 300;
        var outcomes = new ConcurrentQueue<string>();
        await using var server = await TransportServer.StartAsync(loops: 1, app: connection => EchoOffLoopAsync(connection, outcomes));

        for (var i = 0; i < Clients; i++)
        {
            var client = await TestClient.ConnectAsync(server.EndPoint);
            var payload = Payloads.Random(32, seed: i);
            await client.SendAsync(payload);
            Assert.Equal(payload, await client.ReceiveExactlyAsync(payload.Length, Timeout));
            client.Reset();
            await client.DisposeAsync();
        }

        var deadline = DateTime.UtcNow + Timeout;
        while (outcomes.Count < Clients && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        // Before: the loop's close could land between the hand-over and the flush's result, and the flush said
        // "output completed", so the app ended quietly and the reset went uncounted.
        Assert.Equal(Enumerable.Repeat("reset", Clients), outcomes.OrderBy(o => o));
    }

    /// <summary>Echo whose writes and flushes run on the thread pool, never on the loop thread.</summary>
    private static async Task EchoOffLoopAsync(ConnectionContext connection, ConcurrentQueue<string> outcomes)
    {
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync();
                await Task.Yield();
                foreach (var segment in result.Buffer)
                {
                    output.Write(segment.Span);
                }

                input.AdvanceTo(result.Buffer.End);
                var flush = await output.FlushAsync();
                if (flush.IsCompleted)
                {
                    outcomes.Enqueue("flush said the output completed");
                    return;
                }

                if (result.IsCompleted)
                {
                    outcomes.Enqueue("peer closed");
                    return;
                }
            }
        }
        catch (ConnectionResetException)
        {
            outcomes.Enqueue("reset");
        }
        catch (Exception ex)
        {
            outcomes.Enqueue(ex.GetType().Name);
        }
    }
}
