using System.Buffers;
using EchoServers.Tests.Infrastructure;
using Microsoft.AspNetCore.Connections;

namespace EchoServers.Tests.Transport;

/// <summary>
/// The epoll transport on its own, under a minimal pipe app (no session): bytes in order, both directions of
/// backpressure, half-close, abort, the spread over loops, and no allocation per message on the loop thread.
/// </summary>
public sealed class EpollTransportTests
{
    private static readonly TimeSpan Timeout = TestClient.DefaultTimeout;

    [Fact]
    public async Task Echoes_a_4MiB_payload_split_over_many_recvs_byte_exact()
    {
        await using var server = await TransportServer.StartAsync(loops: 2, app: EchoAsync);
        await using var client = await TestClient.ConnectAsync(server.EndPoint);
        var payload = Payloads.Random(4 * 1024 * 1024, seed: 12);

        var receiving = client.ReceiveExactlyAsync(payload.Length, Timeout);
        foreach (var piece in Payloads.SplitRandomly(payload, seed: 3, maxChunk: 70_000))
        {
            await client.SendAsync(piece);
        }

        Assert.Equal(Payloads.Sha256(payload), Payloads.Sha256(await receiving));
    }

    [Fact]
    public async Task Spreads_200_connections_over_2_loops_and_serves_each()
    {
        await using var server = await TransportServer.StartAsync(loops: 2, app: EchoAsync);
        var clients = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => TestClient.ConnectAsync(server.EndPoint)));
        try
        {
            await Task.WhenAll(clients.Select(async (client, i) =>
            {
                var payload = Payloads.Random(1000, seed: i);
                await client.SendAsync(payload);
                Assert.Equal(payload, await client.ReceiveExactlyAsync(payload.Length, Timeout));
            }));

            var counts = server.Listener.Loops.Select(l => l.AcceptedCount).ToArray();
            Assert.Equal(200, counts.Sum());
            Assert.All(counts, c => Assert.Equal(100, c));
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Half_close_delivers_the_end_after_the_data_and_the_replies_still_arrive_then_FIN()
    {
        await using var server = await TransportServer.StartAsync(loops: 1, app: EchoAsync);
        await using var client = await TestClient.ConnectAsync(server.EndPoint);
        var payload = Payloads.Random(300_000, seed: 5);
        await client.SendAsync(payload);
        client.ShutdownSend();

        var (data, reset) = await client.ReceiveToEndAsync(Timeout);
        Assert.False(reset);
        Assert.Equal(Payloads.Sha256(payload), Payloads.Sha256(data));
    }

    [Fact]
    public async Task Abort_resets_the_connection()
    {
        await using var server = await TransportServer.StartAsync(loops: 1, app: async connection =>
        {
            await connection.Transport.Input.ReadAsync();
            connection.Abort(new ConnectionAbortedException("test"));
        });
        await using var client = await TestClient.ConnectAsync(server.EndPoint);
        await client.SendAsync(new byte[] { 1, 2, 3 });

        var (_, reset) = await client.ReceiveToEndAsync(Timeout);
        Assert.True(reset, "an aborted connection should be reset, not closed with FIN");
    }

    [Fact]
    public async Task An_app_that_does_not_read_stops_the_reading_and_resumes_it_when_it_reads()
    {
        var readNow = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TransportServer.StartAsync(loops: 1, app: async connection =>
        {
            await readNow.Task;
            await EchoAsync(connection);
        });
        await using var client = await TestClient.ConnectAsync(server.EndPoint, s => s.ReceiveBufferSize = 64 * 1024);
        var payload = Payloads.Random(8 * 1024 * 1024, seed: 9);

        // Nobody reads the input: the transport stops at the input pipe's pause threshold (128 KiB), the kernel's
        // buffers fill, and the client's send stalls far short of the 8 MiB.
        var sending = Task.Run(async () =>
        {
            foreach (var piece in Payloads.SplitRandomly(payload, seed: 1, maxChunk: 64 * 1024))
            {
                await client.Socket.SendAsync(piece, TestContext.Current.CancellationToken);
            }
        }, TestContext.Current.CancellationToken);
        var stalled = await Task.WhenAny(sending, Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken)) != sending;
        Assert.True(stalled, "the client should not get 8 MiB out while the app reads nothing");

        readNow.SetResult();
        var echoed = await client.ReceiveExactlyAsync(payload.Length, TimeSpan.FromSeconds(30));
        await sending.WaitAsync(Timeout, TestContext.Current.CancellationToken);
        Assert.Equal(Payloads.Sha256(payload), Payloads.Sha256(echoed));
    }

    [Fact]
    public async Task A_peer_that_does_not_read_makes_the_apps_flush_wait_and_nothing_is_lost()
    {
        var flushWaited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TransportServer.StartAsync(loops: 1, app: async connection =>
        {
            // Writes 8 MiB to a peer that reads nothing yet: the output pipe's pause threshold makes a flush wait.
            var output = connection.Transport.Output;
            var block = Payloads.Random(64 * 1024, seed: 4);
            for (var i = 0; i < 128; i++)
            {
                output.Write(block);
                var flush = output.FlushAsync();
                if (!flush.IsCompleted)
                {
                    flushWaited.TrySetResult();
                }

                await flush;
            }

            await output.CompleteAsync();
        });
        await using var client = await TestClient.ConnectAsync(server.EndPoint);
        await flushWaited.Task.WaitAsync(Timeout, TestContext.Current.CancellationToken);

        var (data, reset) = await client.ReceiveToEndAsync(TimeSpan.FromSeconds(30));
        Assert.False(reset);
        Assert.Equal(128 * 64 * 1024, data.Length);
    }

    [Fact]
    public async Task Steady_echo_allocates_nothing_per_message_on_the_loop_thread()
    {
        const int Warmup = 2_000, Measured = 10_000;
        long before = 0, after = 0;
        await using var server = await TransportServer.StartAsync(loops: 1, app: async connection =>
        {
            // Inline scheduling: this code, the recv and the send all run on the loop thread.
            var input = connection.Transport.Input;
            var output = connection.Transport.Output;
            var messages = 0;
            while (true)
            {
                var result = await input.ReadAsync();
                foreach (var segment in result.Buffer)
                {
                    output.Write(segment.Span);
                }

                messages += (int)(result.Buffer.Length / 64);
                input.AdvanceTo(result.Buffer.End);
                if (messages >= Warmup && before == 0)
                {
                    before = GC.GetAllocatedBytesForCurrentThread();
                }
                else if (messages >= Warmup + Measured && after == 0)
                {
                    after = GC.GetAllocatedBytesForCurrentThread();
                }

                await output.FlushAsync();
                if (result.IsCompleted)
                {
                    break;
                }
            }
        });
        await using var client = await TestClient.ConnectAsync(server.EndPoint);
        var message = Payloads.Random(64, seed: 2);
        var reply = new byte[64];
        for (var i = 0; i < Warmup + Measured + 10; i++)
        {
            await client.Socket.SendAsync(message, TestContext.Current.CancellationToken);
            var got = 0;
            while (got < reply.Length)
            {
                var n = await client.Socket.ReceiveAsync(reply.AsMemory(got), TestContext.Current.CancellationToken).AsTask().WaitAsync(Timeout, TestContext.Current.CancellationToken);
                Assert.NotEqual(0, n);
                got += n;
            }
        }

        Assert.True(before > 0 && after > 0, "the app should have measured");
        Assert.True((after - before) / (double)Measured < 1.0, $"loop thread allocated {after - before} B over {Measured} messages");
    }

    internal static async Task EchoAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        while (true)
        {
            var result = await input.ReadAsync();
            foreach (var segment in result.Buffer)
            {
                output.Write(segment.Span);
            }

            input.AdvanceTo(result.Buffer.End);
            await output.FlushAsync();
            if (result.IsCompleted)
            {
                break;
            }
        }

        await input.CompleteAsync();
        await output.CompleteAsync();
    }
}
