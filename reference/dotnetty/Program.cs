using System.Globalization;
using System.Net;
using DotNetty.Transport.Bootstrapping;
using DotNetty.Transport.Channels;
using DotNetty.Transport.Channels.Sockets;
using EchoServers.Reference.DotNetty;

// DotNetty's echo server, a peer of the C server in the bench: a boss event loop accepts, a group of worker
// event loops (one by default, like the C server's one thread; -w N for more) serves the connections, each
// connection's pipeline is one echo handler. TCP_NODELAY as in the other servers.
// Usage: dotnetty-echo [-w THREADS] PORT      listens on 127.0.0.1:PORT
var threads = 1;
var rest = args;
if (rest.Length == 3 && rest[0] == "-w" && int.TryParse(rest[1], NumberStyles.None, CultureInfo.InvariantCulture, out threads) && threads >= 1)
{
    rest = rest[2..];
}

if (rest.Length != 1 || !int.TryParse(rest[0], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
{
    await Console.Error.WriteLineAsync("usage: dotnetty-echo [-w THREADS] PORT   (PORT 1-65535, on 127.0.0.1)");
    return 2;
}

var boss = new MultithreadEventLoopGroup(1);
var workers = new MultithreadEventLoopGroup(threads);
var handler = new EchoServerHandler();
try
{
    var bootstrap = new ServerBootstrap()
        .Group(boss, workers)
        .Channel<TcpServerSocketChannel>()
        .Option(ChannelOption.SoBacklog, 4096)
        .ChildOption(ChannelOption.TcpNodelay, true)
        .ChildHandler(new ActionChannelInitializer<IChannel>(channel => channel.Pipeline.AddLast("echo", handler)));
    var listener = await bootstrap.BindAsync(new IPEndPoint(IPAddress.Loopback, port));

    // Serve until SIGTERM (the bench's stop) or Ctrl+C.
    var stop = new TaskCompletionSource();
    using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(
        System.Runtime.InteropServices.PosixSignal.SIGTERM, context => { context.Cancel = true; stop.TrySetResult(); });
    Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.TrySetResult(); };
    await stop.Task;
    await listener.CloseAsync();
    return 0;
}
finally
{
    await Task.WhenAll(boss.ShutdownGracefullyAsync(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1)),
        workers.ShutdownGracefullyAsync(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1)));
}
