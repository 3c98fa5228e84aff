using System.Net;

namespace EchoServers.Tests.Load.Engines;

/// <summary>A server for an engine case: the in-test server, and what stands in front of it for the engine (TLS), if anything.</summary>
public sealed class EngineTarget : IAsyncDisposable
{
    private readonly LoopbackServer _server;
    private readonly IAsyncDisposable? _front;
    private readonly IDisposable? _files;

    internal EngineTarget(LoopbackServer server, IPEndPoint endPoint, IAsyncDisposable? front = null, IDisposable? files = null)
    {
        _server = server;
        EndPoint = endPoint;
        _front = front;
        _files = files;
    }

    /// <summary>Where the engine connects.</summary>
    public IPEndPoint EndPoint { get; }

    public async ValueTask DisposeAsync()
    {
        if (_front is not null)
        {
            await _front.DisposeAsync();
        }

        await _server.DisposeAsync();
        _files?.Dispose();
    }
}
