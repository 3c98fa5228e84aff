namespace EchoServers.Servers.Threads;

/// <summary>
/// The threads model's spare connection threads: started ahead of demand, each waiting in accept. Counts them, starts
/// new ones, and runs the replenisher, a thread of its own that tops the spares up to the minimum whenever one is
/// taken. It is the only creator during a storm: CoreCLR creates threads under one process-wide lock, so more creators
/// only queue on it (and the connections whose threads queue stall). When a storm takes every spare the
/// <see cref="Brake"/> holds service back until the replenisher has caught up.
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

    /// <param name="body">What a spare thread runs (it must call <see cref="Taken"/> and <see cref="TryRejoin"/>).</param>
    /// <param name="min">Spares kept waiting; the replenisher tops up to it.</param>
    /// <param name="max">The most spares at once (more could never be served under --max-connections).</param>
    public SpareThreads(ThreadStart body, int min, int max)
    {
        _body = body;
        _min = min;
        _max = Math.Max(min, max);
    }

    /// <summary>On while a storm has taken every spare; connection threads call its <see cref="AdmissionBrake.Yield"/> after each reply.</summary>
    public AdmissionBrake Brake { get; } = new();

    /// <summary>Starts the minimum of spares and the replenisher. Throws when the threads cannot be created.</summary>
    public void Start()
    {
        if (Add(_min) < _min)
        {
            throw new InvalidOperationException($"could not start {_min} spare threads (--spare-threads)");
        }

        new Thread(Replenish, ThreadsEchoServer.StackSize) { IsBackground = true, Name = "echo-spares" }.Start();
    }

    /// <summary>Stops the replenisher and any further start; spares end as the listener closes.</summary>
    public void Stop()
    {
        _stopped = true;
        Brake.Release();
        Wake();
    }

    /// <summary>A spare took a connection: it is no longer counted; the replenisher is woken, and the brake put on if it was the last.</summary>
    public void Taken()
    {
        var left = Interlocked.Decrement(ref _count);
        if (left >= _min)
        {
            return;
        }

        if (left <= 0)
        {
            Brake.Apply(); // before the wake-up: the replenisher's next round releases it
            if (_stopped)
            {
                Brake.Release(); // the replenisher has ended: nothing else would
            }
        }

        Wake();
    }

    /// <summary>A thread whose connection ended waits in accept again if spares are short; false: it should end.</summary>
    public bool TryRejoin()
    {
        if (!_stopped && Interlocked.Increment(ref _count) <= _min)
        {
            return true;
        }

        Interlocked.Decrement(ref _count);
        return false;
    }

    /// <summary>A spare leaves for good (the listener closed).</summary>
    public void Left() => Interlocked.Decrement(ref _count);

    /// <summary>Starts up to <paramref name="count"/> spares (fewer at the maximum, when stopped or out of threads); returns how many.</summary>
    public int Add(int count)
    {
        var started = 0;
        for (; started < count && !_stopped; started++)
        {
            if (Interlocked.Increment(ref _count) > _max || !ThreadsEchoServer.TryStartThread(_body))
            {
                Interlocked.Decrement(ref _count);
                break;
            }
        }

        return started;
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

            // Spares are back, or none can be made (at the maximum, out of threads): never hold service back for them.
            Brake.Release();
        }
    }
}
