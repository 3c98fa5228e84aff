using System.Threading.Channels;

namespace EchoServers.Client.Terminal;

/// <summary>
/// Console keys, read by a dedicated background thread (Console.ReadKey blocks, and blocking loops stay off the
/// thread pool) and handed over through a channel, so the prompt can be abandoned when the server closes.
/// </summary>
internal sealed class ConsoleKeySource : IKeySource
{
    private readonly Channel<ConsoleKeyInfo> _keys = Channel.CreateUnbounded<ConsoleKeyInfo>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly Lazy<Thread> _reader;

    public ConsoleKeySource()
    {
        _reader = new Lazy<Thread>(() =>
        {
            // Background: a thread blocked in ReadKey must not keep the process alive after the client is done.
            var thread = new Thread(ReadKeys) { IsBackground = true, Name = "echo-client keys" };
            thread.Start();
            return thread;
        });
    }

    public ValueTask<ConsoleKeyInfo> ReadKeyAsync(CancellationToken cancellationToken)
    {
        _ = _reader.Value;
        return _keys.Reader.ReadAsync(cancellationToken);
    }

    private void ReadKeys()
    {
        try
        {
            while (true)
            {
                _keys.Writer.TryWrite(Console.ReadKey(intercept: true));
            }
        }
        catch (InvalidOperationException ex)
        {
            // The terminal went away (stdin closed or redirected underneath us): the prompt sees the channel end.
            _keys.Writer.TryComplete(ex);
        }
    }
}
