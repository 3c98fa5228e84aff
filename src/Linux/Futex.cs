using System.Runtime.InteropServices;

namespace EchoServers.Linux;

/// <summary>
/// <c>futex(2)</c> on a word private to the process: the cheapest way for many threads to sleep until one flag
/// changes, and for one call to wake them all without a lock they must each take again on the way out (which
/// <see cref="Monitor"/> and the events built on it need). Linux on x64 and arm64; elsewhere
/// <see cref="IsSupported"/> is false.
/// </summary>
internal static unsafe class Futex
{
    private const int WaitPrivate = 128; // FUTEX_WAIT | FUTEX_PRIVATE_FLAG
    private const int WakePrivate = 129; // FUTEX_WAKE | FUTEX_PRIVATE_FLAG

    private static readonly int Number = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 when OperatingSystem.IsLinux() => 202,
        Architecture.Arm64 when OperatingSystem.IsLinux() => 98,
        _ => 0,
    };

    public static bool IsSupported => Number != 0;

    /// <summary>
    /// Sleeps while <c>*word == expected</c>, at most <paramref name="timeout"/>. Returns on a wake-up, when the word
    /// already differs, at the timeout or on a signal: the caller reads the word again.
    /// </summary>
    public static void Wait(int* word, int expected, TimeSpan timeout)
    {
        var relative = LibC.TimeSpec.FromNanoseconds(Math.Max(0, timeout.Ticks) * 100);
        _ = LibC.Syscall(Number, (nint)word, WaitPrivate, expected, (nint)(&relative));
    }

    /// <summary>Wakes every thread waiting on <paramref name="word"/>.</summary>
    public static void WakeAll(int* word) => _ = LibC.Syscall(Number, (nint)word, WakePrivate, int.MaxValue, 0);
}
