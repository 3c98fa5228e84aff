using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace EchoServers.Client.Cli;

/// <summary>System.CommandLine's help, followed by <see cref="ClientCommand.Examples"/>.</summary>
internal sealed class HelpWithExamplesAction(HelpAction inner) : SynchronousCommandLineAction
{
    public override int Invoke(ParseResult parseResult)
    {
        var exitCode = inner.Invoke(parseResult);
        parseResult.InvocationConfiguration.Output.WriteLine(ClientCommand.Examples);
        return exitCode;
    }
}
