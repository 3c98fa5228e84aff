using System.IO.Pipelines;

namespace EchoServers.Tests.Infrastructure;

/// <summary>A reader and a writer as one <see cref="IDuplexPipe"/> (in-memory pipes, or a stream's two halves).</summary>
internal sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
{
    public PipeReader Input { get; } = input;

    public PipeWriter Output { get; } = output;
}
