namespace EchoServers.Load.Engine;

/// <summary>
/// When a connection is closed and opened again (<c>--messages-per-connection</c>, <c>--connection-lifetime</c>,
/// <c>--reconnect</c>), and how it is recognised as turned away: the rules every engine follows, so that a run
/// churns the same way whichever engine moves its bytes.
/// </summary>
internal static class ChurnRules
{
    /// <summary>The back-off doubles per failure in a row, up to 2^6 = 64 times the first.</summary>
    public const int MaxBackoffShift = 6;

    /// <summary>The first bytes of a server's refusal line (a full server), sent instead of any reply.</summary>
    public static ReadOnlySpan<byte> ErrorLinePrefix => "ERROR:"u8;

    /// <summary>A connection's lifetime runs from when it was established, or from the load start when that is later.</summary>
    public static void ArmLifetime(RunContext run, LoadConnection connection, long establishedTs)
    {
        if (run.LifetimeTicks > 0)
        {
            connection.RetireAtTs = Math.Max(establishedTs, run.LoadStartTs) + run.LifetimeTicks;
        }
    }

    /// <summary>Whether the connection has done its share (M replies, or its lifetime is over) with nothing in flight or unsent.</summary>
    public static bool DoneWithConnection(RunContext run, LoadConnection connection, long now) =>
        connection.Outstanding == 0 && !connection.HasPending
        && ((run.MessagesPerConnection > 0 && connection.RepliesOnConnection >= run.MessagesPerConnection)
            || (connection.RetireAtTs != 0 && now >= connection.RetireAtTs));

    /// <summary>How many more messages the connection may carry (closed model).</summary>
    public static int RoomOnConnection(RunContext run, LoadConnection connection, long now)
    {
        if (connection.RetireAtTs != 0 && now >= connection.RetireAtTs)
        {
            return 0;
        }

        return run.MessagesPerConnection > 0 ? run.MessagesPerConnection - connection.SentOnConnection : int.MaxValue;
    }

    /// <summary>The wait before the next reconnect of a failed connection; counts the failure in its run of failures.</summary>
    public static long NextBackoffTicks(RunContext run, LoadConnection connection)
    {
        var shift = Math.Min(connection.ConsecutiveFailures, MaxBackoffShift);
        connection.ConsecutiveFailures++;
        return run.BackoffTicks << shift;
    }

    /// <summary>
    /// Whether the server turned this connection away before answering anything on it (its <c>ERROR:</c> line):
    /// counted as a refused connect, not as lost messages.
    /// </summary>
    public static bool RefusedBeforeReply(RunContext run, LoadConnection connection, ReadOnlySpan<byte> data) =>
        run.Churn && connection.RepliesOnConnection == 0 && data.StartsWith(ErrorLinePrefix);
}
