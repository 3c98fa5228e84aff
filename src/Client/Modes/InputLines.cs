using System.Threading.Channels;
using EchoServers.Client.Net;

namespace EchoServers.Client.Modes;

/// <summary>
/// Lines of the redirected stdin, read by a dedicated background thread. Console.In's "async" reads block the
/// calling thread, and blocking loops stay off the thread pool; on its own thread a stdin that waits for more
/// input cannot stop the client from noticing that the server closed. A semaphore bounds how far reading runs
/// ahead of sending, so a huge input is streamed, not loaded.
/// </summary>
internal sealed class InputLines : IDisposable
{
    private const int ReadAhead = 256;

    private readonly TextReader _reader;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly SemaphoreSlim _room = new(ReadAhead, ReadAhead);
    private readonly CancellationTokenSource _stop = new();

    public InputLines(TextReader reader)
    {
        _reader = reader;
        // Background: a thread blocked reading stdin must not keep the process alive once the client is done.
        new Thread(ReadLines) { IsBackground = true, Name = "echo-client stdin" }.Start();
    }

    /// <summary>The next line, or null at end of input.</summary>
    public async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        if (!await _lines.Reader.WaitToReadAsync(cancellationToken))
        {
            return null;
        }

        var line = await _lines.Reader.ReadAsync(cancellationToken);
        _room.Release();
        return line;
    }

    public void Dispose()
    {
        // The reading thread may still be blocked in ReadLine; it sees the stop at its next line and exits.
        _stop.Cancel();
    }

    private void ReadLines()
    {
        try
        {
            while (_reader.ReadLine() is { } line)
            {
                _room.Wait(_stop.Token);
                _lines.Writer.TryWrite(line);
            }

            _lines.Writer.TryComplete();
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            _lines.Writer.TryComplete();
        }
        catch (Exception ex)
        {
            // Not swallowed: the sender gets it from the channel. An exception escaping this thread would kill the process.
            _lines.Writer.TryComplete(new ClientFailure($"cannot read stdin: {ex.Message}", ex));
        }
    }
}
