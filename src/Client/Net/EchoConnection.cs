using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using EchoServers.Client.Cli;

namespace EchoServers.Client.Net;

/// <summary>
/// One connection to an echo server: a sender for messages and a pump of reply frames, running concurrently, over the
/// socket or, with <c>--tls</c>, over an <see cref="SslStream"/> on it.
/// </summary>
internal sealed class EchoConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly PipeWriter _output;
    private readonly CancellationTokenSource _stopReading = new();

    private EchoConnection(Socket socket, Stream stream, ClientOptions options)
    {
        _socket = socket;
        _stream = stream;
        _output = PipeWriter.Create(_stream, new StreamPipeWriterOptions(leaveOpen: true));
        Sender = new MessageSender(_output, options.Framing, options.MaxFrame);
        Pump = new ReplyPump(PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true)), options.Framing, options.MaxFrame);
        PumpTask = Pump.RunAsync(_stopReading.Token);
    }

    public MessageSender Sender { get; }

    public ReplyPump Pump { get; }

    /// <summary>Completes when the reply stream has ended (see <see cref="ReplyPump.EndKind"/>); never faults for network reasons.</summary>
    public Task PumpTask { get; }

    /// <summary>With <c>--tls</c>: the negotiated version and cipher, and whether the certificate was checked; null otherwise.</summary>
    public string? TlsSummary { get; private init; }

    public static async Task<EchoConnection> OpenAsync(ClientOptions options, CancellationToken cancellationToken)
    {
        var socket = await Connector.ConnectAsync(options, cancellationToken);
        if (!options.Tls)
        {
            return new EchoConnection(socket, new NetworkStream(socket, ownsSocket: false), options);
        }

        SslStream tls;
        try
        {
            tls = await TlsHandshake.AuthenticateAsync(socket, options, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new EchoConnection(socket, tls, options) { TlsSummary = TlsHandshake.Describe(tls, options) };
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
            if (_stream is SslStream tls)
            {
                await TlsHandshake.CloseNotifyAsync(tls);
            }

            await _stream.DisposeAsync();
            _socket.Dispose();
            _stopReading.Dispose();
        }
    }
}
