using System.Diagnostics;
using EchoServers.Load.Engine;

namespace EchoServers.Load.Bench;

/// <summary>
/// Builds a <see cref="ReferencePeer"/> from <c>reference/NAME</c> under <paramref name="Repository"/> into
/// <paramref name="Cache"/>, unless the program there is newer than every source file. Every failure is a
/// <see cref="LoadSetupException"/> of one line: which toolchain is missing and how to get it, or the build's last words.
/// </summary>
public sealed record ReferenceBuild(ReferencePeer Peer, string Repository, string Cache)
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The folder the bench's references are built into by default: <c>artifacts/reference</c> of the repository.</summary>
    public static string DefaultCache(string repository) => Path.Combine(repository, "artifacts", "reference");

    /// <summary>The bench's command template for the built program.</summary>
    public string Command => Peer.CommandIn(Cache);

    /// <summary>
    /// The repository holding <c>reference/c/epoll-echo.c</c>, found walking up from each of <paramref name="starts"/>
    /// (echo-load's own folder, then the working directory), or null.
    /// </summary>
    public static string? FindRepository(params string[] starts)
    {
        foreach (var start in starts)
        {
            for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "reference", "c", "epoll-echo.c")))
                {
                    return dir.FullName;
                }
            }
        }

        return null;
    }

    /// <summary>Whether the built program exists and is newer than every source file.</summary>
    public bool UpToDate
    {
        get
        {
            var program = new FileInfo(Peer.ProgramIn(Cache));
            return program.Exists && Sources().All(f => f.LastWriteTimeUtc <= program.LastWriteTimeUtc);
        }
    }

    /// <summary>Builds the program unless it is up to date; <paramref name="progress"/> gets one line when it builds.</summary>
    public async Task EnsureBuiltAsync(TextWriter progress, CancellationToken cancellationToken)
    {
        if (UpToDate)
        {
            return;
        }

        if (!Directory.Exists(Peer.SourceIn(Repository)))
        {
            throw new LoadSetupException($"--reference {Peer.Name}: its source {Peer.SourceIn(Repository)} is missing");
        }

        if (!OnPath(Peer.Toolchain))
        {
            throw new LoadSetupException($"--reference {Peer.Name}: {Peer.Toolchain} is not installed, so it cannot be built ({Peer.Install}; scripts/build-references.sh builds every reference whose toolchain is present)");
        }

        var folder = Directory.CreateDirectory(Path.Combine(Cache, Peer.Name)).FullName;
        var program = Peer.ProgramIn(Cache);
        var single = Peer != ReferencePeer.DotNetty;
        var output = single ? $"{program}.{Environment.ProcessId}.tmp" : folder;
        await progress.WriteLineAsync($"bench: building the {Peer.Name} reference ({Peer.Toolchain}) into {folder}");
        await RunAsync(Peer.BuildCommand(Repository, output), cancellationToken);
        if (single)
        {
            File.Move(output, program, overwrite: true);
        }
        else
        {
            // dotnet build leaves an unchanged output's time as it was: mark it built now, or it is never up to date.
            File.SetLastWriteTimeUtc(program, DateTime.UtcNow);
        }
    }

    private IEnumerable<FileInfo> Sources() =>
        new DirectoryInfo(Peer.SourceIn(Repository)).EnumerateFiles("*", SearchOption.AllDirectories)
            .Where(f => !f.FullName.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.FullName.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    private async Task RunAsync(IReadOnlyList<string> command, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(command[0])
        {
            WorkingDirectory = Peer.SourceIn(Repository),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        if (Peer == ReferencePeer.Go && Environment.GetEnvironmentVariable("GOCACHE") is null && Environment.GetEnvironmentVariable("HOME") is null)
        {
            start.Environment["GOCACHE"] = Path.Combine(Cache, "go-build-cache"); // go refuses to build without one
        }

        using var process = Process.Start(start) ?? throw new LoadSetupException($"--reference {Peer.Name}: {command[0]} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(BuildTimeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new LoadSetupException($"--reference {Peer.Name}: the build did not finish in {BuildTimeout.TotalMinutes:0} minutes ({string.Join(' ', command)})");
        }

        if (process.ExitCode != 0)
        {
            var said = string.Join(" | ", ((await stderr) + (await stdout)).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(3));
            throw new LoadSetupException($"--reference {Peer.Name}: the build failed with exit {process.ExitCode} ({string.Join(' ', command)}): {said}");
        }
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, program)));
}
