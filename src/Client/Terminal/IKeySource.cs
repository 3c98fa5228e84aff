namespace EchoServers.Client.Terminal;

/// <summary>Key presses for the line editor: the console's, or a script's in tests.</summary>
internal interface IKeySource
{
    /// <summary>The next key press; waits until there is one or <paramref name="cancellationToken"/> fires.</summary>
    ValueTask<ConsoleKeyInfo> ReadKeyAsync(CancellationToken cancellationToken);
}
