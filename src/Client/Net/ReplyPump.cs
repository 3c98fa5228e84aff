using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Channels;
using EchoServers.Protocol.Framing;

namespace EchoServers.Client.Net;

/// <summary>
/// Reads reply frames from the connection with the protocol's <see cref="FrameReader"/> and hands each payload to
/// <see cref="Replies"/>. TCP is a byte stream: one read may hold half a reply or several, so frames are parsed,
/// never reads printed (the classic lesson's <c>recv(1024)</c> client got both cases wrong).
/// </summary>
internal sealed class ReplyPump
{
    // Bounded, so a consumer that cannot keep up (a slow stdout) stops the reads and TCP pushes back on the server.
    private const int Capacity = 1024;

    private readonly PipeReader _input;
    private readonly FrameReader _reader;
    private readonly Channel<Reply> _replies = Channel.CreateBounded<Reply>(new BoundedChannelOptions(Capacity) { SingleReader = true, SingleWriter = true });

    public ReplyPump(PipeReader input, FramingKind framing, int maxFrame)
    {
        _input = input;
        _reader = new FrameReader(framing, maxFrame);
    }

    /// <summary>Completed replies, in order. Completes when the connection ends; then <see cref="EndKind"/> says why.</summary>
    public ChannelReader<Reply> Replies => _replies.Reader;

    public ReplyEndKind EndKind { get; private set; }

    /// <summary>One line saying why the replies ended.</summary>
    public string EndReason { get; private set; } = string.Empty;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ReadFramesAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            End(ReplyEndKind.Cancelled, "stopped reading replies");
        }
        catch (ProtocolException ex)
        {
            End(ReplyEndKind.ProtocolError, $"bad reply from server: {ex.Error.Describe()}");
        }
        catch (IOException ex) when (ex.InnerException is SocketException socketError)
        {
            End(ReplyEndKind.ConnectionLost, $"connection lost: {socketError.SocketErrorCode}");
        }
        catch (SocketException ex)
        {
            End(ReplyEndKind.ConnectionLost, $"connection lost: {ex.SocketErrorCode}");
        }
        finally
        {
            _replies.Writer.TryComplete();
            await _input.CompleteAsync();
        }
    }

    private async Task ReadFramesAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _input.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            var consumed = buffer.Start;
            var examined = buffer.End;
            var remaining = buffer;
            while (_reader.TryParseMessage(remaining, ref consumed, ref examined, out var message))
            {
                await _replies.Writer.WriteAsync(new Reply(message.ToArray(), Stopwatch.GetTimestamp()), cancellationToken);
                remaining = buffer.Slice(consumed);
            }

            var leftover = remaining.Length;
            _input.AdvanceTo(consumed, examined);
            if (result.IsCompleted)
            {
                if (leftover > 0)
                {
                    End(ReplyEndKind.ServerClosedMidFrame, $"server closed the connection in the middle of a reply ({leftover} bytes of it received)");
                }
                else
                {
                    End(ReplyEndKind.ServerClosed, "server closed the connection");
                }

                return;
            }
        }
    }

    private void End(ReplyEndKind kind, string reason)
    {
        EndKind = kind;
        EndReason = reason;
    }
}
