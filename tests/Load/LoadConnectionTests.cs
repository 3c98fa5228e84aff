using EchoServers.Load.Engine;

namespace EchoServers.Tests.Load;

public sealed class LoadConnectionTests
{
    [Fact]
    public void Pending_output_keeps_order_across_partial_writes_and_stops_growing()
    {
        var connection = new LoadConnection(0, fd: -1, window: 4, carrySize: 64);
        var random = new Random(5);
        var expected = new List<byte>();
        var written = new List<byte>();
        for (var round = 0; round < 2000; round++)
        {
            var chunk = new byte[random.Next(1, 700)];
            random.NextBytes(chunk);
            connection.AppendPending(chunk);
            expected.AddRange(chunk);

            // Simulate the socket taking part of what is pending.
            var take = random.Next(0, connection.PendingLength + 1);
            written.AddRange(connection.TakePendingForTest(take));
        }

        written.AddRange(connection.TakePendingForTest(connection.PendingLength));
        Assert.Equal(expected, written);
        Assert.True(connection.PendingCapacity <= 8192, $"grew to {connection.PendingCapacity}");
    }

    [Fact]
    public void Window_tracks_outstanding_messages_with_wrapping_sequence_numbers()
    {
        var connection = new LoadConnection(0, fd: -1, window: 4, carrySize: 64);
        for (var i = 0; i < 10_000; i++)
        {
            var seq = connection.Claim(i + 1, i + 1);
            Assert.Equal(1, connection.Outstanding);
            Assert.True(connection.IsAwaiting(seq));
            Assert.Equal(i + 1, connection.IntendedOf(seq));
            connection.Complete(seq);
            Assert.Equal(0, connection.Outstanding);
            Assert.False(connection.IsAwaiting(seq));
        }
    }
}
