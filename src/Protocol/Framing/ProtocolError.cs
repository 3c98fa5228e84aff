namespace EchoServers.Protocol.Framing;

/// <summary>
/// A protocol violation by one peer: enough to log one useful line and to tell the peer why it is being closed.
/// Values, not exceptions: the span framer returns them, and only the pipeline reader wraps one in a
/// <see cref="ProtocolException"/> to leave its <c>TryParseMessage</c> shape.
/// </summary>
/// <param name="Kind">What was wrong.</param>
/// <param name="Framing">The framing in force.</param>
/// <param name="MaxFrame">The limit in force.</param>
/// <param name="Declared">The declared length (length framing) or the bytes seen without a delimiter (line framing).</param>
public readonly record struct ProtocolError(ProtocolErrorKind Kind, FramingKind Framing, int MaxFrame, long Declared)
{
    /// <summary>Builds the error that a <see cref="FrameStatus"/> failure stands for.</summary>
    public static ProtocolError FromStatus(FrameStatus status, FramingKind framing, int maxFrame, long declared) => status switch
    {
        FrameStatus.TooLarge => new ProtocolError(ProtocolErrorKind.FrameTooLarge, framing, maxFrame, declared),
        FrameStatus.Malformed => new ProtocolError(ProtocolErrorKind.MalformedLength, framing, maxFrame, declared),
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "not an error status"),
    };

    /// <summary>One line for a log or for the peer, without a trailing newline.</summary>
    public string Describe() => (Kind, Framing) switch
    {
        (ProtocolErrorKind.FrameTooLarge, FramingKind.Line) =>
            $"line too long: no newline within {Declared} bytes (max frame {MaxFrame} bytes)",
        (ProtocolErrorKind.FrameTooLarge, _) =>
            $"frame too large: length prefix {Declared} exceeds max frame {MaxFrame} bytes",
        (ProtocolErrorKind.MalformedLength, _) =>
            $"malformed length prefix {Declared} (must be 0..{MaxFrame})",
        _ => Kind.ToString(),
    };

    /// <inheritdoc/>
    public override string ToString() => Describe();
}
