using System.Net.Sockets;
using EchoServers.Servers.Connections;
using Microsoft.AspNetCore.Connections;

namespace EchoServers.Tests.Servers.Connections;

/// <summary>The one classification of how a session that threw has ended, as the blocking and pipe models use it.</summary>
public sealed class ConnectionEndsTests
{
    [Theory]
    [InlineData("ConnectionReset", "Reset")]
    [InlineData("socket ECONNRESET", "Reset")]
    [InlineData("socket EPIPE", "Reset")]
    [InlineData("ConnectionAborted", "Aborted")]
    [InlineData("IOException", "Failed")]
    [InlineData("socket EACCES", "Failed")]
    [InlineData("InvalidOperation", "Failed")]
    public void A_pipe_session_without_tls_ends_by_its_exception(string exception, string expected) =>
        Assert.Equal(Enum.Parse<ConnectionEnd>(expected), ConnectionEnds.Classify(Make(exception), sendTimedOut: false, aborted: false, tls: false));

    [Fact]
    public void A_broken_tls_stream_is_the_peers_doing_like_a_reset()
    {
        Assert.Equal(ConnectionEnd.Reset, ConnectionEnds.Classify(new IOException("bad record"), sendTimedOut: false, aborted: false, tls: true));
        Assert.Equal(ConnectionEnd.Failed, ConnectionEnds.Classify(new InvalidOperationException(), sendTimedOut: false, aborted: false, tls: true));
    }

    [Fact]
    public void A_socket_or_stream_error_after_the_send_deadline_is_a_send_timeout_before_anything_else()
    {
        Assert.Equal(ConnectionEnd.SendTimeout, ConnectionEnds.Classify(Make("socket ECONNRESET"), sendTimedOut: true, aborted: true, tls: true));
        Assert.Equal(ConnectionEnd.SendTimeout, ConnectionEnds.Classify(new IOException(), sendTimedOut: true, aborted: false, tls: false));
        Assert.Equal(ConnectionEnd.Failed, ConnectionEnds.Classify(new InvalidOperationException(), sendTimedOut: true, aborted: false, tls: false));
    }

    [Fact]
    public void After_our_own_abort_a_closed_socket_is_no_fault_but_a_reset_is_still_a_reset()
    {
        Assert.Equal(ConnectionEnd.Aborted, ConnectionEnds.Classify(new ObjectDisposedException("socket"), sendTimedOut: false, aborted: true, tls: false));
        Assert.Equal(ConnectionEnd.Aborted, ConnectionEnds.Classify(new SocketException((int)SocketError.OperationAborted), sendTimedOut: false, aborted: true, tls: false));
        Assert.Equal(ConnectionEnd.Reset, ConnectionEnds.Classify(Make("socket ECONNRESET"), sendTimedOut: false, aborted: true, tls: false));
        Assert.Equal(ConnectionEnd.Failed, ConnectionEnds.Classify(new ObjectDisposedException("socket"), sendTimedOut: false, aborted: false, tls: false));
    }

    private static Exception Make(string name) => name switch
    {
        "ConnectionReset" => new ConnectionResetException("reset"),
        "ConnectionAborted" => new ConnectionAbortedException("stop"),
        "socket ECONNRESET" => new SocketException((int)SocketError.ConnectionReset),
        "socket EPIPE" => new SocketException((int)SocketError.Shutdown),
        "socket EACCES" => new SocketException((int)SocketError.AccessDenied),
        "IOException" => new IOException("broken"),
        "InvalidOperation" => new InvalidOperationException(),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };
}
