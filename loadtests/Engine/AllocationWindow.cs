namespace EchoServers.Load.Engine;

/// <summary>
/// What one I/O thread allocated inside the measured window, and how many replies it took in meanwhile: marked by
/// the thread itself (<see cref="GC.GetAllocatedBytesForCurrentThread"/> when the window opens and when it closes),
/// so the figure is the engine's own, free of the sampler, the connect thread and anything else in the process. The
/// steady state allocates nothing per message or per established connection, so bytes ÷ replies is 0 there. Tests
/// close it after a count of replies instead (<see cref="LoadOptions.AllocationWindowReplies"/>).
/// </summary>
internal sealed class AllocationWindow
{
    private long _startBytes;
    private long _startReplies;
    private bool _started;
    private bool _ended;

    /// <summary>Bytes allocated by the thread between the window's start and end (0 until it ended).</summary>
    public long Bytes { get; private set; }

    /// <summary>Replies the thread took in between the same marks.</summary>
    public long Replies { get; private set; }

    /// <summary>Called by the thread once per pass of its loop: opens or closes the window when its time has come.</summary>
    public void Mark(RunContext run, long now, long replies)
    {
        if (_ended || now < run.MeasureStartTs)
        {
            return;
        }

        if (!_started)
        {
            _started = true;
            _startBytes = GC.GetAllocatedBytesForCurrentThread();
            _startReplies = replies;
            return;
        }

        var counted = replies - _startReplies;
        if (now >= run.SendStopTs || (run.Options.AllocationWindowReplies > 0 && counted >= run.Options.AllocationWindowReplies))
        {
            _ended = true;
            Bytes = GC.GetAllocatedBytesForCurrentThread() - _startBytes;
            Replies = counted;
        }
    }
}
