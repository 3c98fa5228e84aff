namespace EchoServers.Tests.Reliability.HostileClients;

/// <summary>How the server ended a hostile connection, as its client saw it.</summary>
public enum PeerEnd
{
    /// <summary>The server closed gracefully (end of stream).</summary>
    Closed,

    /// <summary>The server reset the connection (or it broke while sending).</summary>
    Reset,

    /// <summary>The observation window ended with the connection still open; the client then closed it.</summary>
    StillOpen,
}

/// <summary>What one hostile connection did and got.</summary>
/// <param name="End">How it ended.</param>
/// <param name="BytesSent">Bytes the client's sends completed.</param>
/// <param name="BytesReceived">Bytes received from the server.</param>
/// <param name="Head">The first bytes received (up to 256): an <c>ERROR: ...</c> line, an echo.</param>
/// <param name="Elapsed">From connect to the end (or the end of the window).</param>
public sealed record HostileOutcome(PeerEnd End, long BytesSent, long BytesReceived, byte[] Head, TimeSpan Elapsed);

/// <summary>What a crowd of idle connections saw.</summary>
/// <param name="Opened">Connections established.</param>
/// <param name="ClosedByServer">Of those, closed (or reset) by the server within the hold time.</param>
/// <param name="LastClosedAfter">When the last server close came, from the start; zero when none did.</param>
public sealed record IdleOutcome(int Opened, int ClosedByServer, TimeSpan LastClosedAfter);

/// <summary>What a client that sends without reading managed to push.</summary>
/// <param name="BytesAccepted">Bytes whose sends completed before sending stalled (to within one 4 KiB send).</param>
/// <param name="Stalled">True when sending stopped making progress; false when the byte cap was reached first.</param>
/// <param name="ClosedByServer">True when the server closed or reset the connection instead.</param>
/// <param name="ClientBuffers">The client's own send + receive buffer sizes: part of what was "accepted" sits there.</param>
/// <param name="Elapsed">From connect to the stall (or cap).</param>
public sealed record SlowReaderOutcome(long BytesAccepted, bool Stalled, bool ClosedByServer, long ClientBuffers, TimeSpan Elapsed);
