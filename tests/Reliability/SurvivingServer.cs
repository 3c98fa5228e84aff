using System.Net;

namespace EchoServers.Tests.Reliability;

/// <summary>A server started for a survival case: where it listens, and what to dispose to stop it.</summary>
public sealed class SurvivingServer(IPEndPoint localEndPoint, IAsyncDisposable owner) : IAsyncDisposable
{
    /// <summary>Where the server listens.</summary>
    public IPEndPoint LocalEndPoint { get; } = localEndPoint;

    public ValueTask DisposeAsync() => owner.DisposeAsync();
}
