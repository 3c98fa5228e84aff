using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using EchoServers.Protocol.Session;
using EchoServers.Servers.Connections;
using EchoServers.Servers.Hosting;

namespace EchoServers.Tests.Infrastructure;

/// <summary>
/// The smallest correct echo server: an accept loop, and per connection the shared <see cref="PipeSession"/> over a
/// <see cref="NetworkStream"/>. Honours framing, transform, max frame, idle timeout and max connections from
/// <see cref="ServerOptions"/>. The reliability cases reach it only through <see cref="IEchoServer"/>, so every real
/// model can take its place; the load generator's tests use it as their correct server.
/// </summary>
public sealed class TinyEchoServer : IEchoServer
{
    private static readonly TimeSpan AbortGrace = TimeSpan.FromSeconds(2);

    private readonly ServerOptions _options;
    private readonly PipeSession _session;
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _closing = new();
    private readonly ConcurrentDictionary<Socket, Task> _connections = new();
    private Socket? _listener;
    private Task _acceptLoop = Task.CompletedTask;
    private long _refused;
    private long _faulted;

    /// <summary>Creates a server for <paramref name="options"/>; nothing is bound until <see cref="StartAsync"/>.</summary>
    public TinyEchoServer(ServerOptions options)
    {
        _options = options;
        _session = new PipeSession(options.Protocol);
    }

    /// <inheritdoc />
    public IPEndPoint LocalEndPoint => (IPEndPoint)(_listener?.LocalEndPoint ?? throw new InvalidOperationException("not started"));

    /// <summary>Connections served at this moment.</summary>
    public int Active => _connections.Count;

    /// <summary>Connections refused because <see cref="ServerOptions.MaxConnections"/> were open.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Connections that ended with a transport error (a reset, mostly).</summary>
    public long Faulted => Interlocked.Read(ref _faulted);

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        Start();
        return Task.CompletedTask;
    }

    /// <summary>Binds and listens at once (nothing here waits), then accepts in the background.</summary>
    public void Start()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(_options.EndPoint);
            listener.Listen(_options.Backlog);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        _listener = listener;
        _acceptLoop = AcceptLoopAsync(listener, _stopping.Token);
    }

    /// <inheritdoc />
    public async Task StopAsync(TimeSpan drainTimeout, CancellationToken cancellationToken)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        _listener?.Dispose();
        await _acceptLoop;

        var all = Task.WhenAll(_connections.Values);
        if (!await Completes(all, drainTimeout, cancellationToken))
        {
            // Ask politely: sessions stop reading and send what they owe.
            await _closing.CancelAsync();
            if (!await Completes(all, AbortGrace, cancellationToken))
            {
                foreach (var socket in _connections.Keys)
                {
                    socket.Dispose();
                }

                await all.WaitAsync(AbortGrace, cancellationToken);
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero, CancellationToken.None);
        _stopping.Dispose();
        _closing.Dispose();
    }

    private static async Task<bool> Completes(Task task, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await Task.WhenAny(task, Task.Delay(timeout, cancellationToken));
        cancellationToken.ThrowIfCancellationRequested();
        return task.IsCompleted;
    }

    private async Task AcceptLoopAsync(Socket listener, CancellationToken stopping)
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.OperationAborted)
            {
                return;
            }

            if (_connections.Count >= _options.MaxConnections)
            {
                Interlocked.Increment(ref _refused);
                socket.Dispose();
                continue;
            }

            var run = new Task<Task>(() => ServeAsync(socket));
            _connections[socket] = run.Unwrap();
            run.Start(TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        socket.NoDelay = true;
        try
        {
            await using var stream = new NetworkStream(socket, ownsSocket: true);
            var transport = new DuplexPipe(PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true)), PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true)));
            await _session.RunAsync(transport, _closing.Token);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            // A reset or a socket closed by StopAsync: this connection only.
            Interlocked.Increment(ref _faulted);
        }
        finally
        {
            _connections.TryRemove(socket, out _);
        }
    }
}
