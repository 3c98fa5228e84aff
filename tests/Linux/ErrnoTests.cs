using System.Net.Sockets;
using EchoServers.Linux;

namespace EchoServers.Tests.Linux;

public sealed class ErrnoTests
{
    [Theory]
    [InlineData(Errno.EADDRINUSE, 98, SocketError.AddressAlreadyInUse)]
    [InlineData(Errno.ECONNRESET, 104, SocketError.ConnectionReset)]
    [InlineData(Errno.EAGAIN, 11, SocketError.WouldBlock)]
    [InlineData(Errno.ECONNREFUSED, 111, SocketError.ConnectionRefused)]
    [InlineData(Errno.EMFILE, 24, SocketError.TooManyOpenSockets)]
    [InlineData(Errno.ENFILE, 23, SocketError.TooManyOpenSockets)]
    [InlineData(Errno.ECONNABORTED, 103, SocketError.ConnectionAborted)]
    [InlineData(Errno.EPIPE, 32, SocketError.Shutdown)]
    [InlineData(Errno.ETIMEDOUT, 110, SocketError.TimedOut)]
    [InlineData(Errno.EHOSTUNREACH, 113, SocketError.HostUnreachable)]
    [InlineData(Errno.EINTR, 4, SocketError.Interrupted)]
    [InlineData(Errno.EINVAL, 22, SocketError.InvalidArgument)]
    [InlineData(Errno.EBADF, 9, SocketError.InvalidArgument)]
    [InlineData(Errno.ENOBUFS, 105, SocketError.NoBufferSpaceAvailable)]
    [InlineData(Errno.EACCES, 13, SocketError.AccessDenied)]
    [InlineData(Errno.ENOTCONN, 107, SocketError.NotConnected)]
    [InlineData(Errno.EINPROGRESS, 115, SocketError.InProgress)]
    [InlineData(Errno.EADDRNOTAVAIL, 99, SocketError.AddressNotAvailable)]
    [InlineData(Errno.ENOSYS, 38, SocketError.SocketError)]
    public void Linux_errno_maps_to_the_socket_error_the_runtime_reports(int errno, int linuxValue, SocketError expected)
    {
        Assert.Equal(linuxValue, errno);
        Assert.Equal(expected, Errno.ToSocketError(errno));
    }

    [Fact]
    public void Every_errno_the_runtime_maps_round_trips_through_the_runtimes_own_table()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Linux errno numbering");

        // On Unix a SocketException built from a SocketError carries the platform errno the runtime maps it back to:
        // for every errno whose SocketError has only that errno, our table and the runtime's must agree.
        int[] oneToOne =
        [
            Errno.EACCES, Errno.EADDRINUSE, Errno.EADDRNOTAVAIL, Errno.EAFNOSUPPORT, Errno.EALREADY, Errno.ECONNABORTED,
            Errno.ECONNREFUSED, Errno.ECONNRESET, Errno.EDESTADDRREQ, Errno.EFAULT, Errno.EHOSTDOWN, Errno.EHOSTUNREACH,
            Errno.EINPROGRESS, Errno.EINTR, Errno.EINVAL, Errno.EISCONN, Errno.EMSGSIZE, Errno.ENETDOWN, Errno.ENETRESET,
            Errno.ENETUNREACH, Errno.ENOBUFS, Errno.ENODATA, Errno.ENOPROTOOPT, Errno.ENOTCONN, Errno.ENOTSOCK,
            Errno.EOPNOTSUPP, Errno.EPIPE, Errno.EPFNOSUPPORT, Errno.EPROTONOSUPPORT, Errno.EPROTOTYPE,
            Errno.ESOCKTNOSUPPORT, Errno.ESHUTDOWN, Errno.ETIMEDOUT, Errno.ECANCELED, Errno.EAGAIN, Errno.ENFILE,
        ];
        foreach (var errno in oneToOne)
        {
            var socketError = Errno.ToSocketError(errno);
            Assert.Equal((errno, errno), (errno, new SocketException((int)socketError).NativeErrorCode));
        }
    }

    [Fact]
    public void An_errno_taken_for_a_socket_error_gives_the_wrong_code()
    {
        // What `new SocketException(errno)` did in the event loop: 98 is not a SocketError at all.
        Assert.NotEqual(SocketError.AddressAlreadyInUse, new SocketException(Errno.EADDRINUSE).SocketErrorCode);
    }

    [Fact]
    public void The_exception_carries_the_mapped_code_the_call_and_the_system_text()
    {
        var error = Errno.ToSocketException(Errno.EADDRINUSE, "bind");

        Assert.Equal(SocketError.AddressAlreadyInUse, error.SocketErrorCode);

        // ErrorCode/NativeErrorCode are what the runtime's own exception for that SocketError carries (the errno, on Unix).
        Assert.Equal(new SocketException((int)SocketError.AddressAlreadyInUse).NativeErrorCode, error.NativeErrorCode);
        Assert.StartsWith("bind: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("errno 98", error.Message, StringComparison.Ordinal);
        if (OperatingSystem.IsLinux())
        {
            Assert.Contains("Address already in use", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Peer_gone_and_resource_exhaustion_are_told_apart()
    {
        Assert.True(Errno.IsPeerGone(Errno.ECONNRESET));
        Assert.True(Errno.IsPeerGone(Errno.EPIPE));
        Assert.False(Errno.IsPeerGone(Errno.EMFILE));
        Assert.True(Errno.IsResourceExhaustion(Errno.EMFILE));
        Assert.True(Errno.IsResourceExhaustion(Errno.ENOMEM));
        Assert.False(Errno.IsResourceExhaustion(Errno.EAGAIN));
    }
}
