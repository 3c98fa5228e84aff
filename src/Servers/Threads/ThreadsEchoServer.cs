using System.Net.Sockets;
using EchoServers.Servers.Blocking;
using EchoServers.Servers.Hosting;
using Microsoft.Extensions.Logging;

namespace EchoServers.Servers.Threads;

/// <summary>
/// The <c>threads</c> model: every connection is served by a dedicated thread running a blocking session.
/// Simple to read; costs a thread (stack reserve <see cref="StackSize"/>, scheduler time) per connection.
/// </summary>
/// <remarks>
/// With <c>--spare-threads K</c> (the default, K = 64) the connection threads are started ahead of demand and each
/// waits in <c>accept</c> itself (Apache's spare threads, the leader/followers pattern): the kernel wakes one waiter
/// per arriving connection, that thread serves what it accepted, and a connect storm is admitted by K threads in
/// parallel instead of one. The replacement for a spare that took a connection is started by that thread, so thread
/// creation is spread over the connections that need it rather than queued behind one creator. A thread whose
/// connection ended waits in accept again while fewer than 2K do, and ends otherwise. With <c>--spare-threads 0</c>
/// one accept thread starts a thread per accepted connection: under a storm that one thread gets 1/N of a core shared
/// with N busy connection threads and admits a few dozen connections a second (docs/servers.md).
/// </remarks>
internal sealed class ThreadsEchoServer : BlockingServer
{
    /// <summary>
    /// The session needs little stack (buffers live on the heap); 256 KiB instead of the default 8 MiB keeps
    /// thousands of threads within the address space and the commit charge small.
    /// </summary>
    public const int StackSize = 256 * 1024;

    private readonly int _minSpare;
    private readonly int _maxSpare; // spares beyond --max-connections could never serve


    // Threads waiting in accept, or started to.
    private int _spare;

    public ThreadsEchoServer(ServerOptions options, EchoMetrics metrics, ILoggerFactory loggerFactory)
        : base(options, metrics, loggerFactory, "EchoServers.Threads")
    {
        ArgumentOutOfRangeException.ThrowIfNegative(options.SpareThreads);
        _minSpare = options.SpareThreads;
        _maxSpare = Math.Max(options.SpareThreads, options.MaxConnections);
    }

    protected override void StartAccepting()
    {
        if (_minSpare == 0)
        {
            base.StartAccepting();
            return;
        }

        for (var i = 0; i < _minSpare; i++)
        {
            Interlocked.Increment(ref _spare);
            if (!TryStartThread(SpareLoop))
            {
                throw new InvalidOperationException($"could not start {_minSpare} spare threads (--spare-threads)");
            }
        }
    }

    protected override void Dispatch(Socket socket)
    {
        if (!TryStartThread(() => Serve(socket)))
        {
            // No thread could be created: refuse this one rather than fall over.
            Refuse(socket, "server out of threads", ConnectionEvent.Failed);
        }
    }

    private void SpareLoop()
    {
        Socket? taken = null;
        Action<Socket> take = socket => taken = socket;
        while (AcceptOne(take))
        {
            if (taken is not { } socket)
            {
                continue; // refused (--max-connections) or failed; this thread is still a spare
            }

            taken = null;
            var left = Interlocked.Decrement(ref _spare);

            // The last spare must not leave the listener without an acceptor: it starts its successor before serving.
            if (left == 0 && StartSpares(1) == 0)
            {
                // Out of threads: this one stays the spare and refuses its socket.
                Interlocked.Increment(ref _spare);
                Refuse(socket, "server out of threads", ConnectionEvent.Failed);
                continue;
            }

            // The rest of the refill waits until this connection's first reply is out. Below half the minimum, a
            // storm is on: two per connection taken, so the threads creating spares double every round.
            var owed = left >= _minSpare ? 0 : left < _minSpare / 2 ? 2 : 1;
            owed -= left == 0 ? 1 : 0;
            Action? refill = owed > 0 ? () => owed -= StartSpares(owed) : null;
            Serve(socket, refill);
            if (owed > 0)
            {
                // The connection closed before its first reply: it still owes them.
                StartSpares(owed);
            }

            if (Stopping || Interlocked.Increment(ref _spare) > _minSpare)
            {
                Interlocked.Decrement(ref _spare);
                return;
            }
        }

        Interlocked.Decrement(ref _spare);
    }

    /// <summary>Starts up to <paramref name="count"/> spare threads (fewer at the cap, or out of threads); returns how many.</summary>
    private int StartSpares(int count)
    {
        var started = 0;
        for (; started < count && !Stopping; started++)
        {
            if (Interlocked.Increment(ref _spare) > _maxSpare || !TryStartThread(SpareLoop))
            {
                Interlocked.Decrement(ref _spare);
                break;
            }
        }

        return started;
    }

    private static bool TryStartThread(ThreadStart body)
    {
        try
        {
            new Thread(body, StackSize) { IsBackground = true, Name = "echo-connection" }.Start();
            return true;
        }
        catch (OutOfMemoryException)
        {
            return false;
        }
    }
}
