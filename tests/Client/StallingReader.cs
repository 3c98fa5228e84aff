namespace EchoServers.Tests.Client;

/// <summary>A stdin that gives some lines and then waits, like a terminal or a slow producer, until released.</summary>
internal sealed class StallingReader(params string[] lines) : TextReader
{
    private readonly Queue<string> _lines = new(lines);
    // Not disposed: the client's stdin thread may still be waking from it when the test ends.
    private readonly ManualResetEventSlim _released = new();

    public void Release() => _released.Set();

    public override string? ReadLine()
    {
        if (_lines.TryDequeue(out var line))
        {
            return line;
        }

        // Blocks the client's stdin thread (a dedicated one) until the test is over; then end of input.
        _released.Wait(TimeSpan.FromSeconds(30));
        return null;
    }
}
