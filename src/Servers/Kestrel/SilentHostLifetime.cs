using Microsoft.Extensions.Hosting;

namespace EchoServers.Servers.Kestrel;

/// <summary>
/// Replaces the console lifetime: the echo-server host owns SIGINT/SIGTERM and stops every model the same way,
/// and tests run several web hosts in one process.
/// </summary>
internal sealed class SilentHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
