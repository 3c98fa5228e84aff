namespace EchoServers.Protocol.Session;

/// <summary>What a session reports, once per read batch (never per message), so hosts can keep metrics.</summary>
public interface ISessionCounters
{
    /// <summary>A batch was echoed: <paramref name="messages"/> frames, <paramref name="bytesIn"/> consumed, <paramref name="bytesOut"/> written.</summary>
    void OnEchoed(int messages, long bytesIn, long bytesOut);
}
