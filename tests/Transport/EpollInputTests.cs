using System.Buffers;
using EchoServers.Servers.Transport.Epoll;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Transport;

/// <summary>
/// The epoll transport's input, a reader over the blocks the loop receives into: a read that examined everything
/// waits for more, a frame longer than a block arrives whole across blocks, and a reader that does not keep up
/// pauses the loop's reading at the pause mark and resumes it without losing or reordering a byte.
/// </summary>
public sealed class EpollInputTests
{
    private static readonly TimeSpan Timeout = TestClient.DefaultTimeout;

    [Fact]
    public async Task A_read_that_examined_everything_waits_for_more_and_then_returns_all_of_it_across_blocks()
    {
        // Both parts longer than a 4 KiB block, so the buffer the app holds spans blocks.
        var first = Payloads.Random(10_000, seed: 1);
        var second = Payloads.Random(7_000, seed: 2);
        var waitedForMore = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TransportServer.StartAsync(loops: 1, app: async connection =>
        {
            var input = connection.Transport.Input;
            ReadOnlySequence<byte> buffer;
            while (true)
            {
                var result = await input.ReadAsync();
                buffer = result.Buffer;
                if (buffer.Length >= first.Length)
                {
                    break;
                }

                // Nothing consumed, everything examined: the next read returns only once more has arrived.
                input.AdvanceTo(buffer.Start, buffer.End);
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            var more = input.ReadAsync();
            // The client sends the second part only after this: a read that returned now would have returned early.
            waitedForMore.SetResult(!more.IsCompleted);
            while (true)
            {
                var result = await more;
                if (result.Buffer.Length == first.Length + second.Length || result.IsCompleted)
                {
                    await connection.Transport.Output.WriteAsync(result.Buffer.ToArray());
                    input.AdvanceTo(result.Buffer.End);
                    break;
                }

                input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                more = input.ReadAsync();
            }

            await connection.Transport.Output.CompleteAsync();
        });
        await using var client = await TestClient.ConnectAsync(server.EndPoint);
        await client.SendAsync(first);
        Assert.True(await waitedForMore.Task.WaitAsync(Timeout, TestContext.Current.CancellationToken));
        await client.SendAsync(second);

        var echoed = await client.ReceiveExactlyAsync(first.Length + second.Length, Timeout);
        Assert.Equal(Payloads.Sha256([.. first, .. second]), Payloads.Sha256(echoed));
    }

    [Fact]
    public async Task A_reader_that_lags_pauses_the_loop_at_the_pause_mark_and_every_byte_arrives_in_order()
    {
        const int Total = 4 * 1024 * 1024;
        var pause = new EpollTransportOptions { Logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance }.InputPause;
        long largest = 0;
        await using var server = await TransportServer.StartAsync(loops: 1, app: async connection =>
        {
            // Off the loop and consuming only once the pause mark is reached: the loop must stop there (and not buffer
            // the whole 4 MiB), then read again once this consumed.
            var input = connection.Transport.Input;
            var output = connection.Transport.Output;
            long echoed = 0;
            while (echoed < Total)
            {
                await Task.Yield();
                var result = await input.ReadAsync();
                var buffer = result.Buffer;
                largest = Math.Max(largest, buffer.Length);
                if (buffer.Length >= pause || result.IsCompleted || echoed + buffer.Length == Total)
                {
                    foreach (var segment in buffer)
                    {
                        await output.WriteAsync(segment);
                    }

                    echoed += buffer.Length;
                    input.AdvanceTo(buffer.End);
                    if (result.IsCompleted)
                    {
                        break;
                    }
                }
                else
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                }
            }

            await output.CompleteAsync();
        });
        await using var client = await TestClient.ConnectAsync(server.EndPoint);
        var payload = Payloads.Random(Total, seed: 3);
        var sending = client.SendAsync(payload);
        var (data, reset) = await client.ReceiveToEndAsync(TimeSpan.FromSeconds(30));
        await sending.WaitAsync(Timeout, TestContext.Current.CancellationToken);

        Assert.False(reset);
        Assert.Equal(Payloads.Sha256(payload), Payloads.Sha256(data));
        // The loop stops reading at the pause mark: at most one more receive (one block) lands on top.
        Assert.InRange(largest, pause, pause + 4096);
    }
}
