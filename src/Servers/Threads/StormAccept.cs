using System.Net.Sockets;
using EchoServers.Linux;

namespace EchoServers.Servers.Threads;

/// <summary>
/// The threads model's second step, its accept strategy for connect storms (<c>--spare-threads K</c>, the default,
/// K = 64): the connection threads are started ahead of demand and each waits in <c>accept</c> itself (Apache's spare
/// threads, the leader/followers pattern). The kernel wakes one waiter per arriving connection, that thread serves
/// what it accepted, and a storm is admitted by K threads in parallel instead of one.
/// </summary>
/// <remarks>
/// No thread is created on the accept path: <see cref="SpareThreads"/> refills the spares from one replenisher
/// thread. When a storm takes every spare, its <see cref="AdmissionBrake"/> makes the connection threads sleep after
/// each reply until the replenisher has caught up, so admission gets the core instead of 1/N of it. A spare runs on
/// the shortest EEVDF slice until its first reply. A thread whose connection ended waits in accept again while fewer
/// than K do, and ends otherwise. Why each piece is there: docs/servers.md, "Thread per client: the lesson in two
/// steps".
/// </remarks>
internal sealed class StormAccept
{
    /// <summary>
    /// A spare's time slice from accept to its first reply: the shortest EEVDF allows, so a woken spare runs before
    /// the busy connection threads instead of after them (its CPU share stays the same); then the default again.
    /// </summary>
    private static readonly TimeSpan AdmissionSlice = TimeSpan.FromMicroseconds(100);

    private readonly Func<Action<Socket>, bool> _acceptOne;
    private readonly Action<Socket, Action?> _serve;
    private readonly SpareThreads _spares;

    /// <param name="spares">Spares kept waiting in accept (--spare-threads).</param>
    /// <param name="maxConnections">The most spares at once (--max-connections).</param>
    /// <param name="acceptOne">The server's accept: blocks for one connection and hands it over; false once stopped.</param>
    /// <param name="serve">The server's service of one connection, with what runs after each reply.</param>
    public StormAccept(int spares, int maxConnections, Func<Action<Socket>, bool> acceptOne, Action<Socket, Action?> serve)
    {
        _acceptOne = acceptOne;
        _serve = serve;
        _spares = new SpareThreads(SpareLoop, spares, maxConnections);
    }

    /// <summary>Starts the spares and the replenisher. Throws when the threads cannot be created.</summary>
    public void Start() => _spares.Start();

    /// <summary>Accepting has stopped: no more spares are started, and the brake is released.</summary>
    public void Stop() => _spares.Stop();

    private void SpareLoop()
    {
        var spares = _spares;
        Socket? taken = null;
        Action<Socket> take = socket => taken = socket;
        // Short only if it can be put back (the default is read here, before any change).
        var normalSlice = ThreadSlice.TryGet(out var normal) ? normal : TimeSpan.Zero;
        var slice = normalSlice > TimeSpan.Zero && ThreadSlice.TrySet(AdmissionSlice);
        while (_acceptOne(take))
        {
            if (taken is not { } socket)
            {
                continue; // refused (--max-connections) or failed; this thread is still a spare
            }

            taken = null;
            spares.Taken();
            var first = true;
            _serve(socket, () =>
            {
                if (first)
                {
                    first = false;
                    if (slice)
                    {
                        ThreadSlice.TrySet(normalSlice);
                    }
                }

                spares.Brake.Yield();
            });

            if (!spares.TryRejoin())
            {
                return;
            }

            slice = normalSlice > TimeSpan.Zero && ThreadSlice.TrySet(AdmissionSlice);
        }

        spares.Left();
    }
}
