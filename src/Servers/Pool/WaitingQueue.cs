using System.Net.Sockets;

namespace EchoServers.Servers.Pool;

/// <summary>
/// Accepted connections waiting for a worker. "Waiting" means beyond the idle workers: a connection handed to an
/// idle worker does not take a queue place. Full → <see cref="TryEnqueue"/> is false and the caller refuses.
/// </summary>
internal sealed class WaitingQueue
{
    private readonly Queue<Socket> _sockets = new();
    private readonly int _capacity;
    private int _idleWorkers;
    private bool _closed;

    public WaitingQueue(int capacity) => _capacity = capacity;

    public bool TryEnqueue(Socket socket)
    {
        lock (_sockets)
        {
            if (_closed || _sockets.Count >= _capacity + _idleWorkers)
            {
                return false;
            }

            _sockets.Enqueue(socket);
            Monitor.Pulse(_sockets);
            return true;
        }
    }

    /// <summary>Blocks a worker until a connection arrives; null once the queue is closed.</summary>
    public Socket? Take()
    {
        lock (_sockets)
        {
            _idleWorkers++;
            try
            {
                while (_sockets.Count == 0)
                {
                    if (_closed)
                    {
                        return null;
                    }

                    Monitor.Wait(_sockets);
                }

                return _sockets.Dequeue();
            }
            finally
            {
                _idleWorkers--;
            }
        }
    }

    /// <summary>Stops taking connections; returns those still waiting and wakes every worker.</summary>
    public List<Socket> Close()
    {
        lock (_sockets)
        {
            _closed = true;
            var waiting = new List<Socket>(_sockets);
            _sockets.Clear();
            Monitor.PulseAll(_sockets);
            return waiting;
        }
    }
}
