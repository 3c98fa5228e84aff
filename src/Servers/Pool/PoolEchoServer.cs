using System.Net.Sockets;
using EchoServers.Servers.Blocking;
using EchoServers.Servers.Connections;
using EchoServers.Servers.Hosting;
using Microsoft.Extensions.Logging;

namespace EchoServers.Servers.Pool;

/// <summary>
/// The <c>pool</c> model: <c>--workers</c> dedicated threads; a worker owns a connection until it closes. Accepted
/// connections wait in a bounded queue (<c>--queue</c>); when it is full the next one is refused at once with a
/// reason, never left hanging as the classic Python lesson's <c>ThreadPoolExecutor(5)</c> leaves its sixth client.
/// </summary>
internal sealed class PoolEchoServer : BlockingServer
{
    private readonly WaitingQueue _queue;
    private readonly List<Thread> _workers = [];
    private readonly int _workerCount;
    private int _workersRunning;
    private readonly TaskCompletionSource _workersDone = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PoolEchoServer(ServerOptions options, EchoMetrics metrics, ILoggerFactory loggerFactory)
        : base(options, metrics, loggerFactory, "EchoServers.Pool")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Workers, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Queue);
        _workerCount = options.Workers;
        _queue = new WaitingQueue(options.Queue);
    }

    protected override void OnStarting()
    {
        _workersRunning = _workerCount;
        for (var i = 0; i < _workerCount; i++)
        {
            var thread = new Thread(WorkerLoop) { IsBackground = true, Name = $"echo-worker-{i}" };
            _workers.Add(thread);
            thread.Start();
        }
    }

    protected override void Dispatch(Socket socket)
    {
        if (!_queue.TryEnqueue(socket))
        {
            Refuse(socket, $"server busy: all {_workerCount} workers busy and {Context.Options.Queue} connections waiting (--workers, --queue)", ConnectionEvent.RefusedQueueFull);
        }
    }

    protected override void OnStopping()
    {
        // Connections still waiting were never served: tell them now rather than after the drain.
        foreach (var socket in _queue.Close())
        {
            Refuse(socket, "server stopping", ConnectionEvent.RefusedStopping);
        }
    }

    // Bounded: workers are background threads, and one stuck in simulated work must not hang the stop.
    protected override Task OnStoppedAsync() =>
        _workers.Count == 0 ? Task.CompletedTask : Task.WhenAny(_workersDone.Task, Task.Delay(ServerContext.CloseGrace));

    private void WorkerLoop()
    {
        try
        {
            while (_queue.Take() is { } socket)
            {
                Serve(socket);
            }
        }
        finally
        {
            if (Interlocked.Decrement(ref _workersRunning) == 0)
            {
                _workersDone.TrySetResult();
            }
        }
    }
}
