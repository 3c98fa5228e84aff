using System.Net.Sockets;
using EchoServers.Servers.Blocking;
using EchoServers.Servers.Connections;
using EchoServers.Servers.Hosting;
using Microsoft.Extensions.Logging;

namespace EchoServers.Servers.Threads;

/// <summary>
/// The <c>threads</c> model: every connection is served by a dedicated thread running a blocking session. Simple to
/// read; costs a thread (stack reserve <see cref="StackSize"/>, scheduler time) per connection.
/// </summary>
/// <remarks>
/// The model teaches in two steps (docs/servers.md, "Thread per client: the lesson in two steps"). Step one is this
/// class, the textbook loop: one thread accepts, starts a thread per connection, and that thread serves it
/// (<c>--spare-threads 0</c>). In a connect storm it starves: the accept thread gets 1/N of a core shared with N busy
/// connection threads, and CoreCLR creates threads under one process-wide lock. Step two, on by default, is
/// <see cref="StormAccept"/>: spare threads accept for themselves, one replenisher creates them, and an admission
/// brake gives admission the core while a storm has taken every spare.
/// </remarks>
internal sealed class ThreadsEchoServer : BlockingServer
{
    /// <summary>
    /// The session needs little stack (buffers live on the heap); 256 KiB instead of the default 8 MiB keeps
    /// thousands of threads within the address space and the commit charge small.
    /// </summary>
    public const int StackSize = 256 * 1024;

    // Step two (--spare-threads K > 0, the default); null: the textbook loop.
    private readonly StormAccept? _storm;

    public ThreadsEchoServer(ServerOptions options, EchoMetrics metrics, ILoggerFactory loggerFactory)
        : base(options, metrics, loggerFactory, "EchoServers.Threads")
    {
        ArgumentOutOfRangeException.ThrowIfNegative(options.SpareThreads);
        if (options.SpareThreads > 0)
        {
            _storm = new StormAccept(options.SpareThreads, options.MaxConnections, AcceptOne, Serve);
        }
    }

    protected override void StartAccepting()
    {
        if (_storm is not null)
        {
            _storm.Start();
            return;
        }

        // The textbook loop: one accept thread hands every accepted socket to Dispatch.
        base.StartAccepting();
    }

    protected override void OnStopping() => _storm?.Stop();

    /// <summary>A new thread per accepted connection, serving it until it closes.</summary>
    protected override void Dispatch(Socket socket)
    {
        if (!TryStartThread(() => Serve(socket)))
        {
            // No thread could be created: refuse this one rather than fall over.
            Refuse(socket, "server out of threads", ConnectionEvent.Failed);
        }
    }

    /// <summary>Starts a dedicated background connection thread; false when none can be created.</summary>
    public static bool TryStartThread(ThreadStart body)
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
