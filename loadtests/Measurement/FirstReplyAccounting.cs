using EchoServers.Load.Engine;
using HdrHistogram;

namespace EchoServers.Load.Measurement;

/// <summary>
/// After the run: which connections were starved (no correct reply within <c>--first-reply-timeout</c> of their
/// connect start), and the time to first reply of every connection. A connection never answered enters the
/// histogram with the time it waited (a lower bound), so leaving the starved out cannot make the percentiles look
/// better; one that connected too late to have waited the timeout is neither starved nor counted.
/// </summary>
internal static class FirstReplyAccounting
{
    /// <summary>Adds the unanswered connections' waits to <paramref name="firstReply"/>; returns how many were starved.</summary>
    public static long Account(IEnumerable<LoadConnection> connections, long endTs, long timeoutTicks, LongHistogram firstReply)
    {
        long starved = 0;
        foreach (var connection in connections)
        {
            if (connection.FirstReplyTs != 0)
            {
                if (connection.FirstReplyTs - connection.FirstReplyFromTs > timeoutTicks)
                {
                    starved++;
                }

                continue;
            }

            var waited = endTs - connection.FirstReplyFromTs;
            if (waited > timeoutTicks)
            {
                starved++;
                firstReply.RecordValue(Histograms.Clamp(RunContext.TicksToUs(waited)));
            }
        }

        return starved;
    }
}
