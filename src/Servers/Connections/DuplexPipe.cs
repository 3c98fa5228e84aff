using System.IO.Pipelines;

namespace EchoServers.Servers.Connections;

/// <summary>The session's view of a connection: it reads the input pipe and writes the output pipe.</summary>
internal sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
{
    public PipeReader Input { get; } = input;

    public PipeWriter Output { get; } = output;
}
