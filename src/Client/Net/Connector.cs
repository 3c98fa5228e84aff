using System.Net.Sockets;
using EchoServers.Client.Cli;
using EchoServers.Protocol.Text;

namespace EchoServers.Client.Net;

/// <summary>Opens the TCP connection within the timeout and turns every way that can fail into one readable line.</summary>
internal static class Connector
{
    public static async Task<Socket> ConnectAsync(ClientOptions options, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        try
        {
            await socket.ConnectAsync(options.Host, options.Port, timeout.Token);
            return socket;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new ClientFailure($"cannot connect to {options.Endpoint}: timed out after {DurationText.Format(options.Timeout)}");
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new ClientFailure($"cannot connect to {options.Endpoint}: {Describe(ex.SocketErrorCode)}", ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static string Describe(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.HostNotFound or SocketError.NoData => "host not found",
        SocketError.TryAgain => "host name lookup failed (try again)",
        SocketError.NetworkUnreachable => "network unreachable",
        SocketError.HostUnreachable => "host unreachable",
        SocketError.TimedOut => "timed out",
        SocketError.AddressNotAvailable => "address not available",
        _ => error.ToString(),
    };
}
