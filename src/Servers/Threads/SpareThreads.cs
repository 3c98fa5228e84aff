namespace EchoServers.Servers.Threads;

/// <summary>
/// The threads model's spare connection threads: started ahead of demand, each waiting in accept. Counts them, starts
/// new ones, and runs the replenisher, a thread of its own that tops the spares up to the minimum whenever one is
/// taken. A storm drains them faster than one thread can create threads (each costs ~330 µs of CPU in .NET), so the
/// connections that took one also start spares, after their first reply (<see cref="Taken"/>).
/// </summary>
internal sealed class SpareThreads
{
    private readonly ThreadStart _body;
    private readonly int _min;
    private readonly int _max;
    private readonly object _gate = new();
    private volatile bool _stopped;

    // 1 while a wake-up of the replenisher is pending: only the first taker of a round takes the lock to pulse it.
    private int _wake;

    // Threads waiting in accept, or started to.
    private int _count;

    // Spares wanted: the minimum, doubled each time a storm empties them (up to the maximum), halved back as
    // connection threads end.
    private int _target;

    /// <param name="body">What a spare thread runs (it must call <see cref="Taken"/> and <see cref="TryRejoin"/>).</param>
    /// <param name="min">Spares kept waiting; the replenisher tops up to it.</param>
    /// <param name="max">The most spares at once (more could never be served under --max-connections).</param>
    /// <param name="stackSize">Stack of every thread.</param>
    public SpareThreads(ThreadStart body, int min, int max, int stackSize)
    {
        _body = body;
        _min = min;
        _max = Math.Max(min, max);
        _target = min;
        StackSize = stackSize;
    }

    public int StackSize { get; }

    /// <summary>Starts the minimum of spares and the replenisher. Throws when the threads cannot be created.</summary>
    public void Start()
    {
        if (Add(_min) < _min)
        {
            throw new InvalidOperationException($"could not start {_min} spare threads (--spare-threads)");
        }

        new Thread(Replenish, StackSize) { IsBackground = true, Name = "echo-spares" }.Start();
    }

    /// <summary>Stops the replenisher and any further start; spares end as the listener closes.</summary>
    public void Stop()
    {
        _stopped = true;
        Wake();
    }

    /// <summary>
    /// A spare took a connection: it is no longer counted, and the replenisher is woken. Returns how many spares the
    /// connection should start after its first reply: none while at least the minimum wait, one below it, two below
    /// half of it (a storm is on: the threads creating spares then double every round).
    /// </summary>
    public int Taken()
    {
        var left = Interlocked.Decrement(ref _count);
        if (left == 0)
        {
            var target = Volatile.Read(ref _target);
            Interlocked.CompareExchange(ref _target, Math.Min(2 * target, _max), target);
        }

        if (left >= _min)
        {
            return 0;
        }

        Wake();
        return left < _min / 2 ? 2 : 1;
    }

    /// <summary>A thread whose connection ended waits in accept again if spares are short; false: it should end.</summary>
    public bool TryRejoin()
    {
        if (!_stopped && Interlocked.Increment(ref _count) <= _min)
        {
            return true;
        }

        Interlocked.Decrement(ref _count);
        var target = Volatile.Read(ref _target);
        Interlocked.CompareExchange(ref _target, Math.Max(target / 2, _min), target);
        return false;
    }

    /// <summary>
    /// Called by every connection thread after each reply: while spares are short of the target, start one. A storm
    /// is then admitted by as many thread creations at once as there are connections being served, each getting
    /// its fair share of the CPU, instead of by one creator among them all.
    /// </summary>
    public void Help()
    {
        if (Volatile.Read(ref _count) >= Volatile.Read(ref _target) || _stopped)
        {
            return;
        }

        if (Interlocked.Increment(ref _count) > Volatile.Read(ref _target) || !TryStartThread(_body, StackSize))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    /// <summary>A spare leaves for good (the listener closed).</summary>
    public void Left() => Interlocked.Decrement(ref _count);

    /// <summary>Starts up to <paramref name="count"/> spares (fewer at the maximum, when stopped or out of threads); returns how many.</summary>
    public int Add(int count)
    {
        var started = 0;
        for (; started < count && !_stopped; started++)
        {
            if (Interlocked.Increment(ref _count) > _max || !TryStartThread(_body, StackSize))
            {
                Interlocked.Decrement(ref _count);
                break;
            }
        }

        return started;
    }

    /// <summary>Starts a dedicated background thread; false when none can be created.</summary>
    public static bool TryStartThread(ThreadStart body, int stackSize)
    {
        try
        {
            new Thread(body, stackSize) { IsBackground = true, Name = "echo-connection" }.Start();
            return true;
        }
        catch (OutOfMemoryException)
        {
            return false;
        }
    }

    private void Wake()
    {
        if (Interlocked.Exchange(ref _wake, 1) == 0)
        {
            lock (_gate)
            {
                Monitor.Pulse(_gate);
            }
        }
    }

    private void Replenish()
    {
        // Off the accept path: a thread that mostly sleeps, woken when a spare is taken.
        while (!_stopped)
        {
            lock (_gate)
            {
                while (Volatile.Read(ref _wake) == 0 && !_stopped)
                {
                    Monitor.Wait(_gate);
                }
            }

            Interlocked.Exchange(ref _wake, 0);
            while (!_stopped && Volatile.Read(ref _count) < _min && Add(1) == 1)
            {
            }
        }
    }
}
