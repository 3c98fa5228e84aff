using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using EchoServers.Client.Cli;
using EchoServers.Client.Net;
using EchoServers.Client.Terminal;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Text;

namespace EchoServers.Client.Modes;

/// <summary>
/// stdin is a terminal: a <c>:</c> prompt (as in the classic lesson's client) with line editing and history; each line is
/// sent as one message and its reply printed with the round-trip time. /quit, Ctrl+D on an empty line or Ctrl+C
/// leave with exit 0; the server closing the connection is reported on stderr and exits non-zero, even while
/// the prompt is waiting for a key.
/// </summary>
internal sealed class InteractiveMode(ClientOptions options, ClientConsole console, IKeySource keys)
{
    public const string Prompt = ":";
    public const string QuitCommand = "/quit";

    // Sends not yet answered, oldest first: echo servers answer in order, so each reply pairs with the oldest.
    private readonly Queue<(long Started, int Bytes)> _pending = new();
    private readonly LineEditor _editor = new(keys, console.Stdout, new LineHistory());
    private readonly StringBuilder _rawReply = new();
    private readonly Decoder _rawDecoder = new UTF8Encoding(false).GetDecoder();
    private int _rawReceived;

    private bool IsRaw => options.Framing == FramingKind.Raw;

    public async Task<int> RunAsync(EchoConnection connection, CancellationToken cancellationToken)
    {
        var framing = options.Framing.ToString().ToLowerInvariant();
        await console.Stdout.WriteLineAsync($"connected to {options.Endpoint} ({framing} framing); {QuitCommand} or Ctrl+D to leave");
        if (IsRaw)
        {
            await console.Stdout.WriteLineAsync("raw framing: replies are not delimited; bytes are shown as they arrive");
        }

        await console.Stdout.FlushAsync(cancellationToken);
        while (true)
        {
            using var prompt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var reading = _editor.ReadLineAsync(Prompt, prompt.Token);
            if (await Task.WhenAny(reading, connection.PumpTask) != reading)
            {
                // The connection ended while the user was typing.
                await prompt.CancelAsync();
                await ((Task)reading).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                return await ConnectionEndedAsync(connection.Pump);
            }

            string? line;
            try
            {
                line = await reading;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await console.Stdout.WriteLineAsync();
                return ExitCodes.Ok;
            }
            catch (InvalidOperationException)
            {
                // ChannelClosedException, or the console's own: the terminal's key stream ended (the terminal went away): leave as Ctrl+D would.
                return ExitCodes.Ok;
            }

            if (line is null || line.Trim() == QuitCommand)
            {
                return ExitCodes.Ok;
            }

            if (connection.Sender.TooLargeReason(line) is { } tooLarge)
            {
                // The user's own mistake, not the connection's: say so and keep the session.
                await console.Stderr.WriteLineAsync(tooLarge);
                continue;
            }

            var started = Stopwatch.GetTimestamp();
            try
            {
                _pending.Enqueue((started, await connection.Sender.SendAsync(line, cancellationToken)));
            }
            catch (IOException ex)
            {
                await connection.PumpTask.WaitAsync(options.Timeout, CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                await console.Stderr.WriteLineAsync(connection.Pump.EndKind is ReplyEndKind.None or ReplyEndKind.Cancelled ? $"connection lost while sending: {ex.Message}" : connection.Pump.EndReason);
                return ExitCodes.Failed;
            }

            var result = await AwaitRepliesAsync(connection.Pump, cancellationToken);
            if (result is { } exitCode)
            {
                return exitCode;
            }
        }
    }

    /// <summary>Prints replies until nothing is outstanding or --timeout passes; an exit code when the session is over.</summary>
    private async Task<int?> AwaitRepliesAsync(ReplyPump pump, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        try
        {
            while (_pending.Count > 0)
            {
                var reply = await pump.Replies.ReadAsync(timeout.Token);
                await ShowAsync(reply);
            }

            return null;
        }
        catch (ChannelClosedException)
        {
            return await ConnectionEndedAsync(pump);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await console.Stderr.WriteLineAsync($"no reply within {DurationText.Format(options.Timeout)}; a late reply is shown after the next message");
            return null;
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Ok;
        }
    }

    private async Task ShowAsync(Reply reply)
    {
        if (IsRaw)
        {
            await ShowRawAsync(reply);
            return;
        }

        // Nothing pending: a reply nobody asked for, such as the error line of a server closing an idle connection.
        TimeSpan? elapsed = _pending.TryDequeue(out var sent) ? Stopwatch.GetElapsedTime(sent.Started, reply.Timestamp) : null;
        if (ReplyText.ServerError(options.Framing, reply.Payload) is { } error)
        {
            await console.Stderr.WriteLineAsync($"server error: {error}");
            return;
        }

        var time = elapsed is { } rtt ? ReplyText.RoundTrip(rtt) : "unsolicited";
        await console.Stdout.WriteLineAsync($"{Encoding.UTF8.GetString(reply.Payload)}  ({time})");
        await console.Stdout.FlushAsync();
    }

    // Raw replies are undelimited chunks: collect them until as many bytes came back as the oldest message had.
    private async Task ShowRawAsync(Reply reply)
    {
        var chars = new char[_rawDecoder.GetCharCount(reply.Payload, flush: false)];
        _rawDecoder.GetChars(reply.Payload, chars, flush: false);
        _rawReply.Append(chars);
        _rawReceived += reply.Payload.Length;
        if (_pending.Count == 0)
        {
            await console.Stdout.WriteLineAsync($"{_rawReply.ToString().TrimEnd('\n', '\r')}  (unsolicited)");
            _rawReply.Clear();
            _rawReceived = 0;
        }

        while (_pending.Count > 0 && _rawReceived >= _pending.Peek().Bytes)
        {
            var (started, bytes) = _pending.Dequeue();
            _rawReceived -= bytes;
            var elapsed = Stopwatch.GetElapsedTime(started, reply.Timestamp);
            await console.Stdout.WriteLineAsync($"{_rawReply.ToString().TrimEnd('\n', '\r')}  ({ReplyText.RoundTrip(elapsed)})");
            _rawReply.Clear();
        }

        await console.Stdout.FlushAsync();
    }

    private async Task<int> ConnectionEndedAsync(ReplyPump pump)
    {
        await console.Stdout.WriteLineAsync();
        await console.Stdout.FlushAsync();
        // What the server sent before closing, often its reason (an ERROR line), comes before the news of the close.
        while (pump.Replies.TryRead(out var reply))
        {
            await ShowAsync(reply);
        }

        await console.Stderr.WriteLineAsync(pump.EndReason);
        return ExitCodes.Failed;
    }
}
