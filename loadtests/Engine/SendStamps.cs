using EchoServers.Load.Measurement;

namespace EchoServers.Load.Engine;

/// <summary>
/// The open model's record of when queued messages actually went out, for every engine: each message's send time,
/// its lateness (actual − due), and whether it counts towards the achieved rate. The caller owns the worker for the
/// duration (its thread, or its lock).
/// </summary>
internal static class SendStamps
{
    /// <summary>Stamps the messages of <paramref name="connection"/> from its first unstamped one up to (not including) <paramref name="end"/>.</summary>
    public static void Record(RunContext run, LoadConnection connection, ILoadWorker worker, uint end, long now)
    {
        for (var seq = connection.FirstUnstamped; seq != end; seq++)
        {
            var intended = connection.IntendedOf(seq);
            connection.SetSent(seq, now);
            var lateUs = Histograms.Clamp(RunContext.TicksToUs(now - intended));
            worker.LatenessInterval.RecordValue(lateUs);
            if (run.IsMeasured(intended))
            {
                worker.Lateness.RecordValue(lateUs);

                // The achieved rate counts what actually went out before the measured window closed: a generator
                // that falls behind sends the same messages, only later, and must not look on target.
                if (now < run.SendStopTs)
                {
                    worker.Counters.MeasuredSent++;
                }
            }
        }

        connection.FirstUnstamped = end;
    }
}
