namespace EchoServers.Linux;

/// <summary>Sleeps finer than <see cref="Thread.Sleep(int)"/>'s milliseconds, for pacing a rate.</summary>
internal static unsafe class PreciseSleep
{
    /// <summary>Sleeps for <paramref name="nanoseconds"/> on the monotonic clock.</summary>
    public static void For(long nanoseconds)
    {
        var request = LibC.TimeSpec.FromNanoseconds(nanoseconds);
        _ = LibC.ClockNanosleep(LinuxConstants.ClockMonotonic, 0, &request, null);
    }

    /// <summary>Asks for 1 ns timer slack on the calling thread so short sleeps are not rounded up by 50 µs.</summary>
    public static void MinimiseTimerSlack() => _ = LibC.Prctl(LinuxConstants.PrSetTimerSlack, 1, 0, 0, 0);
}
