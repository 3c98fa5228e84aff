using EchoServers.Client.Terminal;

namespace EchoServers.Client;

/// <summary>
/// Where the client reads and writes. <see cref="Keys"/> is set only when stdin is a terminal: its presence is
/// what selects the interactive mode, so tests can drive either mode in-process.
/// </summary>
/// <param name="Stdin">Lines to send in pipe mode.</param>
/// <param name="Stdout">Replies (and, in terminal mode, the prompt).</param>
/// <param name="Stderr">Status and errors.</param>
/// <param name="Keys">Key presses for the line editor; null for pipe mode.</param>
internal sealed record ClientConsole(TextReader Stdin, TextWriter Stdout, TextWriter Stderr, IKeySource? Keys = null);
