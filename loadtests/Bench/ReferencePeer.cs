namespace EchoServers.Load.Bench;

/// <summary>
/// A reference server whose source is in the repository's <c>reference/</c> folder, run by name as a bench row
/// (<c>--reference c</c>): the C epoll echo server (the yardstick), Go's goroutine-per-connection echo, DotNetty's
/// echo. Each is built by its own toolchain into a cache folder the first time, and again when its source changes.
/// </summary>
/// <param name="Name">The name given to <c>--reference</c> and the row's label.</param>
/// <param name="Toolchain">The program that builds it (looked up on PATH).</param>
/// <param name="Install">How to get the toolchain, for the message when it is missing.</param>
/// <param name="Program">The built file, in the cache folder.</param>
public sealed record ReferencePeer(string Name, string Toolchain, string Install, string Program)
{
    public static ReferencePeer C { get; } = new("c", "gcc", "apt-get install gcc", "epoll-echo");

    public static ReferencePeer Go { get; } = new("go", "go", "apt-get install golang-go", "go-echo");

    public static ReferencePeer DotNetty { get; } = new("dotnetty", "dotnet", "the .NET SDK", "dotnetty-echo.dll");

    public static IReadOnlyList<ReferencePeer> Known { get; } = [C, Go, DotNetty];

    /// <summary>The known peer called <paramref name="name"/> (case-insensitive), or null.</summary>
    public static ReferencePeer? Find(string name) =>
        Known.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Its source folder: <c>reference/NAME</c> under <paramref name="repository"/>.</summary>
    public string SourceIn(string repository) => Path.Combine(repository, "reference", Name);

    /// <summary>The built program under <paramref name="cache"/>: <c>CACHE/NAME/PROGRAM</c>.</summary>
    public string ProgramIn(string cache) => Path.Combine(cache, Name, Program);

    /// <summary>The bench's command template for the program built under <paramref name="cache"/>.</summary>
    public string CommandIn(string cache) =>
        this == DotNetty ? $"dotnet '{ProgramIn(cache)}' {{port}}" : $"'{ProgramIn(cache)}' {{port}}";

    /// <summary>
    /// The build's program and arguments, writing to <paramref name="output"/> (C and Go: a file renamed into place
    /// after, so a bench running beside never starts half a program; DotNetty: a folder, as dotnet build writes).
    /// </summary>
    public IReadOnlyList<string> BuildCommand(string repository, string output) => Name switch
    {
        "c" => ["gcc", "-O2", "-Wall", "-o", output, Path.Combine(SourceIn(repository), "epoll-echo.c"), "-lpthread"],
        "go" => ["go", "build", "-o", output, "."],
        _ => ["dotnet", "build", Path.Combine(SourceIn(repository), "DotNettyEcho.csproj"), "-c", "Release", "-o", output, "--nologo", "-v", "quiet"],
    };
}
