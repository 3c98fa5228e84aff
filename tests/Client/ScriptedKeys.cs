using EchoServers.Client.Terminal;

namespace EchoServers.Tests.Client;

/// <summary>Key presses as a person would type them; when the script runs out, waits (like a person thinking).</summary>
internal sealed class ScriptedKeys : IKeySource
{
    private readonly Queue<ConsoleKeyInfo> _keys = new();

    public ScriptedKeys Type(string text)
    {
        foreach (var c in text)
        {
            _keys.Enqueue(new ConsoleKeyInfo(c, ConsoleKey.NoName, shift: false, alt: false, control: false));
        }

        return this;
    }

    public ScriptedKeys Press(ConsoleKey key, bool control = false, char keyChar = '\0')
    {
        _keys.Enqueue(new ConsoleKeyInfo(keyChar, key, shift: false, alt: false, control: control));
        return this;
    }

    public ScriptedKeys Enter() => Press(ConsoleKey.Enter, keyChar: '\r');

    public async ValueTask<ConsoleKeyInfo> ReadKeyAsync(CancellationToken cancellationToken)
    {
        if (_keys.TryDequeue(out var key))
        {
            return key;
        }

        await new TaskCompletionSource().Task.WaitAsync(cancellationToken);
        throw new OperationCanceledException(cancellationToken);
    }
}
