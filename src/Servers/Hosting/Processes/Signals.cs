using EchoServers.Linux;

namespace EchoServers.Servers.Hosting.Processes;

/// <summary>Sending a POSIX signal (the BCL can receive them but only sends SIGKILL, through <c>Process.Kill</c>).</summary>
internal static class Signals
{
    public const int SigTerm = 15;

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; false if the process is gone.</summary>
    public static bool Send(int pid, int signal) => LibC.Kill(pid, signal) == 0;

    /// <summary>Describes a child's exit code: .NET reports death by signal N as 128 + N.</summary>
    public static string DescribeExit(int exitCode) => exitCode switch
    {
        > 128 and < 128 + 32 => $"exit code {exitCode} (killed by {Name(exitCode - 128)})",
        _ => $"exit code {exitCode}",
    };

    private static string Name(int signal) => signal switch
    {
        1 => "SIGHUP",
        2 => "SIGINT",
        4 => "SIGILL",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        13 => "SIGPIPE",
        15 => "SIGTERM",
        _ => $"signal {signal}",
    };
}
