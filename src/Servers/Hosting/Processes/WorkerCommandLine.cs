namespace EchoServers.Servers.Hosting.Processes;

/// <summary>How the supervisor starts a worker: this very program with the user's arguments minus <c>--processes</c>.</summary>
internal sealed record WorkerCommandLine(string FileName, IReadOnlyList<string> Arguments)
{
    public static WorkerCommandLine Of(IReadOnlyList<string> args)
    {
        var file = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which program is running");
        var arguments = new List<string>();
        if (Path.GetFileNameWithoutExtension(file) == "dotnet")
        {
            // Run as `dotnet echo-server.dll`: the host is the process, the assembly its first argument.
            arguments.Add(Environment.GetCommandLineArgs()[0]);
        }

        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == "--processes")
            {
                i++;
            }
            else if (!args[i].StartsWith("--processes=", StringComparison.Ordinal))
            {
                arguments.Add(args[i]);
            }
        }

        return new WorkerCommandLine(file, arguments);
    }
}
