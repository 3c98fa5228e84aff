using System.Net.Sockets;
using EchoServers.Linux;
using EchoServers.Servers.Blocking;
using EchoServers.Servers.Connections;
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
/// parallel instead of one. No thread is created on the accept path: <see cref="SpareThreads"/> refills them from a
/// replenisher thread. When a storm takes every spare, its <see cref="AdmissionBrake"/> makes the connection threads
/// sleep after each reply until the replenisher has caught up, so admission gets the core instead of 1/N of it. A
/// thread whose connection ended waits in accept again while fewer than K do, and ends otherwise. With
/// <c>--spare-threads 0</c> one accept thread starts a thread per accepted connection: under a storm that one thread
/// gets 1/N of a core shared with N busy connection threads and admits a few dozen connections a second
/// (docs/servers.md, "Thread per client: connect storms").
/// </remarks>
internal sealed class ThreadsEchoServer : BlockingServer
{
    /// <summary>
    /// The session needs little stack (buffers live on the heap); 256 KiB instead of the default 8 MiB keeps
    /// thousands of threads within the address space and the commit charge small.
    /// </summary>
    public const int StackSize = 256 * 1024;

    /// <summary>
    /// A spare's time slice from accept to its first reply: the shortest EEVDF allows, so a woken spare runs before
    /// the busy connection threads instead of after them (its CPU share stays the same); then the default again.
    /// </summary>
    private static readonly TimeSpan AdmissionSlice = TimeSpan.FromMicroseconds(100);

    private readonly SpareThreads? _spares;

    public ThreadsEchoServer(ServerOptions options, EchoMetrics metrics, ILoggerFactory loggerFactory)
        : base(options, metrics, loggerFactory, "EchoServers.Threads")
    {
        ArgumentOutOfRangeException.ThrowIfNegative(options.SpareThreads);
        if (options.SpareThreads > 0)
        {
            _spares = new SpareThreads(SpareLoop, options.SpareThreads, options.MaxConnections, StackSize);
        }
    }

    protected override void StartAccepting()
    {
        if (_spares is null)
        {
            base.StartAccepting();
            return;
        }

        _spares.Start();
    }

    protected override void OnStopping() => _spares?.Stop();

    protected override void Dispatch(Socket socket)
    {
        if (!SpareThreads.TryStartThread(() => Serve(socket), StackSize))
        {
            // No thread could be created: refuse this one rather than fall over.
            Refuse(socket, "server out of threads", ConnectionEvent.Failed);
        }
    }

    private void SpareLoop()
    {
        var spares = _spares!;
        Socket? taken = null;
        Action<Socket> take = socket => taken = socket;
        // Short only if it can be put back (the default is read here, before any change).
        var normalSlice = ThreadSlice.TryGet(out var normal) ? normal : TimeSpan.Zero;
        var slice = normalSlice > TimeSpan.Zero && ThreadSlice.TrySet(AdmissionSlice);
        while (AcceptOne(take))
        {
            if (taken is not { } socket)
            {
                continue; // refused (--max-connections) or failed; this thread is still a spare
            }

            taken = null;
            spares.Taken();
            var first = true;
            Serve(socket, () =>
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
