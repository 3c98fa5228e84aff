using System.Buffers;
using System.IO.Pipelines;
using EchoServers.Servers.Connections;

namespace EchoServers.Tests.Infrastructure;

/// <summary>A connection without sockets: two pipes, the server's <see cref="IDuplexPipe"/> on one side, a test client on the other.</summary>
public sealed class InMemoryConnection
{
    private readonly Pipe _toServer;
    private readonly Pipe _fromServer;

    /// <summary>Creates the pipes; <paramref name="serverOutput"/> sets the server's output buffer limits (backpressure).</summary>
    public InMemoryConnection(PipeOptions? serverOutput = null)
    {
        _toServer = new Pipe();
        _fromServer = new Pipe(serverOutput ?? PipeOptions.Default);
        Server = new DuplexPipe(_toServer.Reader, _fromServer.Writer);
    }

    /// <summary>What the session under test runs on.</summary>
    public IDuplexPipe Server { get; }

    /// <summary>Where the test client writes.</summary>
    public PipeWriter ClientOutput => _toServer.Writer;

    /// <summary>Where the test client reads replies.</summary>
    public PipeReader ClientInput => _fromServer.Reader;

    /// <summary>Writes <paramref name="data"/> in pieces of <paramref name="chunk"/> bytes, flushing each.</summary>
    public async Task SendAsync(byte[] data, int chunk = int.MaxValue)
    {
        for (var offset = 0; offset < data.Length; offset += chunk)
        {
            var piece = data.AsMemory(offset, Math.Min(chunk, data.Length - offset));
            await ClientOutput.WriteAsync(piece);
        }
    }

    /// <summary>Reads every reply byte until the server completes its output.</summary>
    public async Task<byte[]> ReceiveAllAsync()
    {
        var received = new ArrayBufferWriter<byte>();
        while (true)
        {
            var result = await ClientInput.ReadAsync();
            foreach (var segment in result.Buffer)
            {
                received.Write(segment.Span);
            }

            ClientInput.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return received.WrittenSpan.ToArray();
            }
        }
    }
}
