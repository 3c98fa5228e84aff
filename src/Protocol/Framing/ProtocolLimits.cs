namespace EchoServers.Protocol.Framing;

/// <summary>Size limits shared by every framing, and the wire constants they rest on.</summary>
public static class ProtocolLimits
{
    /// <summary>Default maximum frame payload: 64 KiB.</summary>
    public const int DefaultMaxFrame = 64 * 1024;

    /// <summary>Largest maximum frame we accept as an option: 16 MiB. Anything larger is a typo or an attack vector.</summary>
    public const int MaxMaxFrame = 16 * 1024 * 1024;

    /// <summary>Bytes in a length prefix.</summary>
    public const int LengthPrefixSize = 4;

    /// <summary>Bytes a line framing may add after a maximal payload (<c>\r\n</c>).</summary>
    public const int MaxLineTerminatorSize = 2;

    /// <summary>Wire bytes a framing adds to each frame it writes.</summary>
    public static int WriteOverhead(FramingKind framing) => framing switch
    {
        FramingKind.Line => 1,
        FramingKind.Length => LengthPrefixSize,
        _ => 0,
    };
}
