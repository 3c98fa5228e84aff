using System.Net;
using System.Net.Sockets;

namespace EchoServers.Servers.Hosting;

/// <summary>
/// How echo-server says it could not start, whether it serves itself or supervises workers: one line on stderr,
/// <c>echo-server: what went wrong</c>, and exit code 1.
/// </summary>
internal static class StartFailure
{
    public const int ExitCode = 1;

    public static int Report(string message)
    {
        Console.Error.WriteLine($"echo-server: {message}");
        return ExitCode;
    }

    /// <summary>The port could not be bound; "address already in use" is said in those words (the usual cause).</summary>
    public static int CannotListen(IPEndPoint endPoint, SocketException error) =>
        Report(error.SocketErrorCode == SocketError.AddressAlreadyInUse
            ? $"cannot listen on {endPoint}: address already in use"
            : $"cannot listen on {endPoint}: {error.Message}");
}
