using System.Text;
using EchoServers.Client.Cli;
using EchoServers.Client.Net;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Text;

namespace EchoServers.Client.Modes;

/// <summary>
/// stdin redirected: every input line is one message, every reply goes to stdout followed by <c>\n</c> (raw
/// framing: the bytes as they arrive), and nothing else goes to stdout. Sending and receiving run concurrently,
/// so a large input cannot deadlock with both sides' TCP buffers full. After end of input the client waits, at
/// most --timeout, until every reply is in (raw framing: as many bytes as were sent).
/// </summary>
internal sealed class PipeMode(ClientOptions options, ClientConsole console)
{
    private readonly Lock _gate = new();
    // Set when there is nothing more to wait for: every reply is in, or the replies have ended.
    private readonly TaskCompletionSource _settled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _sent;
    private long _received;
    private bool _inputDone;
    private string? _notSent;

    private bool IsRaw => options.Framing == FramingKind.Raw;

    private string Unit => IsRaw ? "bytes" : "replies";

    public async Task<int> RunAsync(EchoConnection connection, CancellationToken cancellationToken)
    {
        if (IsRaw)
        {
            await ReportAsync("raw framing: replies are not delimited; bytes are printed as they arrive");
        }

        using var stopReceiving = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var stopSending = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var receiving = ReceiveAsync(connection.Pump, stopReceiving.Token);
        var sending = SendAsync(connection.Sender, stopSending.Token);
        try
        {
            // The server may close, or break the protocol, while input is still being read: that ends the run too.
            var first = await Task.WhenAny(sending, receiving);
            cancellationToken.ThrowIfCancellationRequested();
            if (first == sending)
            {
                await sending;
                await _settled.Task.WaitAsync(options.Timeout, cancellationToken);
            }
            else
            {
                // Replies ended first (the server closed, or broke the protocol); the sender has nothing left to do.
                await stopSending.CancelAsync();
                await sending.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (receiving.Exception?.GetBaseException() is { } writeError)
                {
                    await ReportAsync($"cannot write replies: {writeError.Message} ({Progress()})");
                    return ExitCodes.Failed;
                }
            }

            if (_notSent is not null)
            {
                await ReportAsync($"{_notSent} ({Progress()})");
                return ExitCodes.Failed;
            }

            if (IsComplete())
            {
                return ExitCodes.Ok;
            }

            await ReportAsync($"{connection.Pump.EndReason} ({Progress()})");
            return ExitCodes.Failed;
        }
        catch (TimeoutException)
        {
            await ReportAsync($"timed out after {DurationText.Format(options.Timeout)} waiting for replies ({Progress()})");
            return ExitCodes.Failed;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await ReportAsync($"interrupted ({Progress()})");
            return ExitCodes.Interrupted;
        }
        catch (ClientFailure failure)
        {
            await ReportAsync($"{failure.Message} ({Progress()})");
            return ExitCodes.Failed;
        }
        catch (IOException ex)
        {
            // A send failed: the pump, reading the same broken connection, usually knows better why.
            await connection.PumpTask.WaitAsync(options.Timeout, CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            var reason = connection.Pump.EndKind is ReplyEndKind.None or ReplyEndKind.Cancelled ? $"connection lost while sending: {ex.Message}" : connection.Pump.EndReason;
            await ReportAsync($"{reason} ({Progress()})");
            return ExitCodes.Failed;
        }
        finally
        {
            // Every reply counted has been written; stop the receiver before the last flush so nothing follows it.
            await stopReceiving.CancelAsync();
            await receiving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await console.Stdout.FlushAsync(CancellationToken.None);
        }
    }

    private async Task SendAsync(MessageSender sender, CancellationToken cancellationToken)
    {
        using var input = new InputLines(console.Stdin);
        while (await input.ReadLineAsync(cancellationToken) is { } line)
        {
            if (sender.TooLargeReason(line) is { } tooLarge)
            {
                // Stop at this line: the replies to the lines before it are still awaited and printed, then the run fails.
                _notSent = $"line {_sent + 1}: {tooLarge}";
                break;
            }

            var replyBytes = await sender.SendAsync(line, cancellationToken);
            lock (_gate)
            {
                _sent += IsRaw ? replyBytes : 1;
            }
        }

        lock (_gate)
        {
            _inputDone = true;
        }

        CheckComplete();
    }

    private async Task ReceiveAsync(ReplyPump pump, CancellationToken cancellationToken)
    {
        var decoder = new UTF8Encoding(false).GetDecoder();
        var chars = Array.Empty<char>();
        var replies = pump.Replies;
        while (await replies.WaitToReadAsync(cancellationToken))
        {
            while (replies.TryRead(out var reply))
            {
                if (IsRaw)
                {
                    // Raw replies are chunks of a byte stream: a stateful decoder keeps characters split across chunks whole.
                    var needed = decoder.GetCharCount(reply.Payload, flush: false);
                    if (chars.Length < needed)
                    {
                        chars = new char[Math.Max(needed, 4096)];
                    }

                    var count = decoder.GetChars(reply.Payload, chars, flush: false);
                    await console.Stdout.WriteAsync(chars.AsMemory(0, count), cancellationToken);
                    Count(reply.Payload.Length);
                }
                else if (ReplyText.ServerError(options.Framing, reply.Payload) is { } error)
                {
                    await ReportAsync($"server error: {error}");
                }
                else
                {
                    await console.Stdout.WriteAsync(Encoding.UTF8.GetString(reply.Payload).AsMemory(), cancellationToken);
                    await console.Stdout.WriteAsync('\n');
                    Count(1);
                }
            }

            // Flush once per batch of ready replies, not per reply.
            await console.Stdout.FlushAsync(cancellationToken);
            CheckComplete();
        }

        _settled.TrySetResult();
    }

    private void Count(long amount)
    {
        lock (_gate)
        {
            _received += amount;
        }
    }

    private bool IsComplete()
    {
        lock (_gate)
        {
            return _inputDone && _received >= _sent;
        }
    }

    private void CheckComplete()
    {
        if (IsComplete())
        {
            _settled.TrySetResult();
        }
    }

    private string Progress()
    {
        lock (_gate)
        {
            return $"{_received} of {_sent} {Unit} received";
        }
    }

    private Task ReportAsync(string line) => console.Stderr.WriteLineAsync(line);
}
