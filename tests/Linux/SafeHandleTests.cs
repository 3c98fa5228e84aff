using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using EchoServers.Linux;

namespace EchoServers.Tests.Linux;

public sealed class SafeHandleTests
{
    private const ulong WakeToken = 7;

    [Fact]
    public void A_signalled_eventfd_wakes_epoll_and_drains_to_zero()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "epoll is Linux only");
        using var epoll = SafeEpollHandle.Create();
        using var eventFd = SafeEventFdHandle.Create();
        Assert.Equal(0, EpollEvent.Control(epoll, LinuxConstants.EpollCtlAdd, eventFd, LinuxConstants.EpollIn, WakeToken));
        var events = new byte[16 * 4];

        Assert.Equal(0, epoll.Wait(events, 0));
        Assert.True(eventFd.Signal());
        Assert.True(eventFd.Signal());

        Assert.Equal(1, epoll.Wait(events, 5_000));
        Assert.Equal(WakeToken, EpollEvent.Data(events, 0));
        Assert.Equal(LinuxConstants.EpollIn, EpollEvent.Events(events, 0) & LinuxConstants.EpollIn);
        Assert.Equal(2UL, eventFd.Drain());
        Assert.Equal(0UL, eventFd.Drain());
        Assert.Equal(0, epoll.WaitNanoseconds(events, 1_000_000));
    }

    [Fact]
    public void Signalling_a_disposed_eventfd_is_a_no_op()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "eventfd is Linux only");
        var eventFd = SafeEventFdHandle.Create();
        eventFd.Dispose();

        Assert.True(eventFd.IsClosed);
        Assert.False(eventFd.Signal());
    }

    [Fact]
    public void Epoll_errors_come_back_as_errno()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "epoll is Linux only");
        using var epoll = SafeEpollHandle.Create();

        Assert.Equal(Errno.EBADF, EpollEvent.Control(epoll, LinuxConstants.EpollCtlAdd, -1, LinuxConstants.EpollIn, 0));

        // A regular file cannot be polled.
        var path = Path.GetTempFileName();
        try
        {
            using var file = File.OpenHandle(path);
            Assert.Equal(Errno.EPERM, EpollEvent.Control(epoll, LinuxConstants.EpollCtlAdd, file, LinuxConstants.EpollIn, 0));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Peer_address_of_a_connected_socket_is_its_remote_endpoint()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "getpeername via libc");
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        var fd = (int)client.SafeHandle.DangerousGetHandle();

        Assert.Equal(listener.LocalEndPoint, PeerAddress.EndPointOf(fd));
        Assert.Equal(listener.LocalEndPoint!.ToString(), PeerAddress.Of(fd));
        Assert.StartsWith("(unknown peer, errno 9", PeerAddress.Of(-1), StringComparison.Ordinal);
    }

    [Fact]
    public void Sockaddr_in6_parses_with_its_scope()
    {
        var sockaddr = new byte[28];
        MemoryMarshal.Write(sockaddr, LinuxConstants.AfInet6);
        sockaddr[2] = 0x06;
        sockaddr[3] = 0x98;
        IPAddress.IPv6Loopback.GetAddressBytes().CopyTo(sockaddr, 8);
        MemoryMarshal.Write(sockaddr.AsSpan(24), 3u);

        var endPoint = PeerAddress.Parse(sockaddr);

        Assert.Equal(new IPEndPoint(new IPAddress(IPAddress.IPv6Loopback.GetAddressBytes(), 3), 1688), endPoint);
        Assert.Null(PeerAddress.Parse(sockaddr.AsSpan(0, 20)));
    }
}
