using System.Diagnostics;
using System.Runtime.InteropServices;
using EchoServers.Linux;

namespace EchoServers.Servers.Threads;

/// <summary>
/// Admission before service, without a priority the process may not take. While a connect storm has taken every
/// spare thread (connections wait in the kernel's accept queue and no thread waits in accept), the brake is on: each
/// connection thread, after its reply, sleeps until the spares are back (at most <see cref="MaxPause"/> per reply).
/// The threads that admit (the replenisher creating spares, the spares accepting and answering their first message)
/// then have the core to themselves instead of 1/N of it among N busy connection threads; the served connections
/// pause for the storm's length, the new ones are answered within it.
/// </summary>
/// <remarks>
/// Why it is needed (docs/servers.md, "Thread per client: the lesson in two steps"): a storm of 1,000 against 64 spares left
/// ~600 connections in the accept queue for seconds, because the missing threads were created at ~180 a second.
/// CoreCLR creates threads under one process-wide lock (a gdb snapshot mid-storm: 255 threads blocked on one mutex in
/// libcoreclr, none in accept), and its holder, one runnable thread among hundreds, waited 15–22 ms for the core
/// each time it was preempted. The sleepers wait on a futex: releasing wakes them all in one call, with no lock to
/// take again on the way out. Linux only; elsewhere the brake is never put on.
/// </remarks>
internal sealed unsafe class AdmissionBrake
{
    /// <summary>The default of <see cref="MaxPause"/>.</summary>
    public static readonly TimeSpan DefaultMaxPause = TimeSpan.FromMilliseconds(200);

    private const int On = 0;
    private const int Off = 1;

    // The futex word, on the pinned heap so its address never moves.
    private readonly int[] _state = GC.AllocateArray<int>(1, pinned: true);
    private readonly int* _word;

    public AdmissionBrake(TimeSpan? maxPause = null)
    {
        MaxPause = maxPause ?? DefaultMaxPause;
        _state[0] = Off;
        _word = (int*)Marshal.UnsafeAddrOfPinnedArrayElement(_state, 0);
    }

    /// <summary>The longest a connection thread sleeps per reply, so a brake left on (threads that cannot be created) only slows service.</summary>
    public TimeSpan MaxPause { get; }

    public bool IsOn => Volatile.Read(ref _state[0]) == On;

    /// <summary>Every spare is taken: service sleeps after its next reply.</summary>
    public void Apply()
    {
        if (Futex.IsSupported)
        {
            Volatile.Write(ref _state[0], On);
        }
    }

    /// <summary>Spares are back (or cannot be made): service goes on, and every sleeper is woken.</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref _state[0], Off) == On)
        {
            Futex.WakeAll(_word);
        }
    }

    /// <summary>Called by a connection thread after each reply: returns at once unless the brake is on.</summary>
    public void Yield()
    {
        if (Volatile.Read(ref _state[0]) != On)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        for (var left = MaxPause; left > TimeSpan.Zero && IsOn; left = MaxPause - Stopwatch.GetElapsedTime(started))
        {
            Futex.Wait(_word, On, left);
        }
    }
}
