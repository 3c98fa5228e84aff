namespace EchoServers.Servers.EventLoop.Interop;

/// <summary>The errno values the loop tells apart (Linux generic numbering, same on x86-64 and arm64).</summary>
internal static class Errno
{
    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int ENOMEM = 12;
    public const int ENFILE = 23;
    public const int EMFILE = 24;
    public const int EPIPE = 32;
    public const int ECONNABORTED = 103;
    public const int ECONNRESET = 104;
    public const int ENOBUFS = 105;
    public const int ETIMEDOUT = 110;

    /// <summary>Errors that mean the peer went away: normal events for a server, logged at Debug only.</summary>
    public static bool IsPeerGone(int errno) => errno is ECONNRESET or EPIPE or ETIMEDOUT;

    /// <summary>Accept failures caused by running out of descriptors or kernel memory: back off instead of spinning.</summary>
    public static bool IsResourceExhaustion(int errno) => errno is EMFILE or ENFILE or ENOBUFS or ENOMEM;
}
