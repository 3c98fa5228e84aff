using System.Net;
using System.Net.Sockets;

namespace EchoServers.Servers.Connections;

/// <summary>
/// What the models that accept through a <see cref="Socket"/> (async, threads, pool) do around each accept, written
/// once: the stop filter, the back-off after a failed accept (EMFILE), and everything done to one accepted socket —
/// configure, <c>--max-connections</c>, refusal, hand-off — inside one catch-all, so a socket option failing on a
/// peer that already reset costs that socket, not the accept loop (or, on a dedicated thread, the process).
/// </summary>
internal sealed class AcceptPolicy(ServerContext context)
{
    /// <summary>After a failed accept, how long to wait before the next: the connection waits in the backlog, and retrying at once would spin on the same error.</summary>
    public static TimeSpan RetryDelay { get; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The accept failed because the server closed its listener to stop: the accept loop ends.</summary>
    public static bool IsStopped(Exception exception, bool stopping) =>
        stopping && exception is SocketException or ObjectDisposedException;

    /// <summary>accept() failed (e.g. EMFILE): counted and logged; the caller waits <see cref="RetryDelay"/> and accepts again.</summary>
    public void AcceptFailed(SocketException exception) => context.Events.Report(ConnectionEvent.AcceptFailed, null, exception);

    /// <summary>
    /// Configures <paramref name="socket"/>, refuses it over the limit, or hands it, holding a limiter slot, to
    /// <paramref name="dispatch"/> (which owns socket and slot once it returns). Never throws: a failure closes this
    /// socket, gives its slot back, and is logged with its exception; accepting goes on.
    /// </summary>
    public void Handle(Socket socket, Action<Socket> dispatch)
    {
        var holdsSlot = false;
        try
        {
            ListenSocket.Configure(socket);
            context.Hooks?.AcceptedSocketConfigured?.Invoke(socket);
            if (!context.Limiter.TryAcquire())
            {
                context.Events.Report(ConnectionEvent.RefusedLimit);
                context.Refuse(socket, context.RefusalLine);
                return;
            }

            holdsSlot = true;
            dispatch(socket);
        }
        catch (Exception ex)
        {
            if (holdsSlot)
            {
                context.Limiter.Release();
            }

            context.Events.Report(ConnectionEvent.Failed, PeerOf(socket), ex);
            socket.Dispose();
        }
    }

    /// <summary>The peer of an accepted socket, or null when it already reset or closed.</summary>
    public static EndPoint? PeerOf(Socket socket)
    {
        try
        {
            return socket.RemoteEndPoint;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already reset or closed: the log line goes without the address.
            return null;
        }
    }
}
