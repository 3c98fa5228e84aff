using EchoServers.Load.Engine;

namespace EchoServers.Load.Bench;

/// <summary>
/// Finds the <c>echo-server</c> of the same build as this <c>echo-load</c>: bench builds nothing, so the servers
/// it compares are exactly what was built next to it. Looks in echo-load's own directory (a publish folder, the test
/// output), then in the repository's <c>src/Servers/bin/&lt;configuration&gt;/&lt;framework&gt;</c> matching echo-load's
/// own <c>loadtests/bin/&lt;configuration&gt;/&lt;framework&gt;</c>.
/// </summary>
public static class ServerLocator
{
    private const string AppHost = "echo-server";
    private const string Assembly = "echo-server.dll";

    /// <summary>The command prefix that starts echo-server, or throws <see cref="LoadSetupException"/> saying where it looked.</summary>
    public static IReadOnlyList<string> Resolve(string baseDirectory)
    {
        var looked = new List<string>();
        foreach (var directory in Candidates(baseDirectory))
        {
            looked.Add(directory);
            if (File.Exists(Path.Combine(directory, AppHost)))
            {
                return [Path.Combine(directory, AppHost)];
            }

            if (File.Exists(Path.Combine(directory, Assembly)))
            {
                return [DotnetHost(), Path.Combine(directory, Assembly)];
            }
        }

        throw new LoadSetupException(
            $"echo-server not found (looked in {string.Join(", ", looked)}); build the solution (dotnet build -c Release) or pass --server-cmd \"dotnet path/echo-server.dll\"");
    }

    private static IEnumerable<string> Candidates(string baseDirectory)
    {
        var own = Path.GetFullPath(baseDirectory);
        yield return own;

        // .../loadtests/bin/Release/net10.0/ → .../src/Servers/bin/Release/net10.0/
        for (var dir = new DirectoryInfo(own); dir?.Parent is { } parent; dir = parent)
        {
            if (dir.Name == "loadtests" && Directory.Exists(Path.Combine(parent.FullName, "src", "Servers")))
            {
                var relative = Path.GetRelativePath(dir.FullName, own);
                yield return Path.GetFullPath(Path.Combine(parent.FullName, "src", "Servers", relative));
                yield break;
            }
        }
    }

    /// <summary>The dotnet host running this process when it is one (dotnet echo-load.dll), else dotnet on PATH.</summary>
    private static string DotnetHost() =>
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
}
