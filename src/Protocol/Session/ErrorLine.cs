using System.Text;
using EchoServers.Protocol.Framing;

namespace EchoServers.Protocol.Session;

/// <summary>The one line a line-framed peer gets before the server closes it for a reason of its own.</summary>
public static class ErrorLine
{
    /// <summary>Prefix of every error line, so clients can tell an error from an echo.</summary>
    public const string Prefix = "ERROR: ";

    /// <summary>The bytes of <c>ERROR: reason\n</c>.</summary>
    public static byte[] For(string reason) => Encoding.UTF8.GetBytes(Prefix + reason + "\n");

    /// <summary>The bytes of the error line for <paramref name="error"/>.</summary>
    public static byte[] For(ProtocolError error) => For(error.Describe());
}
