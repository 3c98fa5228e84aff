using System.IO.Pipelines;
using System.Net.Sockets;
using EchoServers.Client.Cli;

namespace EchoServers.Client.Net;

/// <summary>One connection to an echo server: a sender for messages and a pump of reply frames, running concurrently.</summary>
internal sealed class EchoConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly PipeWriter _output;
    private readonly CancellationTokenSource _stopReading = new();

    private EchoConnection(Socket socket, ClientOptions options)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        _output = PipeWriter.Create(_stream, new StreamPipeWriterOptions(leaveOpen: true));
        Sender = new MessageSender(_output, options.Framing, options.MaxFrame);
        Pump = new ReplyPump(PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true)), options.Framing, options.MaxFrame);
        PumpTask = Pump.RunAsync(_stopReading.Token);
    }

    public MessageSender Sender { get; }

    public ReplyPump Pump { get; }

    /// <summary>Completes when the reply stream has ended (see <see cref="ReplyPump.EndKind"/>); never faults for network reasons.</summary>
    public Task PumpTask { get; }

    public static async Task<EchoConnection> OpenAsync(ClientOptions options, CancellationToken cancellationToken)
    {
        var socket = await Connector.ConnectAsync(options, cancellationToken);
        return new EchoConnection(socket, options);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopReading.CancelAsync();
        try
        {
            await PumpTask;
        }
        finally
        {
            await _output.CompleteAsync();
            await _stream.DisposeAsync();
            _socket.Dispose();
            _stopReading.Dispose();
        }
    }
}
