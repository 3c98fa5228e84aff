using System.Net.Sockets;
using EchoServers.Servers.Blocking;
using EchoServers.Servers.Hosting;
using Microsoft.Extensions.Logging;

namespace EchoServers.Servers.Threads;

/// <summary>
/// The <c>threads</c> model: every accepted connection gets its own dedicated thread running a blocking session.
/// Simple to read; costs a thread (stack reserve <see cref="StackSize"/>, scheduler time) per connection.
/// </summary>
internal sealed class ThreadsEchoServer : BlockingServer
{
    /// <summary>
    /// The session needs little stack (buffers live on the heap); 256 KiB instead of the default 8 MiB keeps
    /// thousands of threads within the address space and the commit charge small.
    /// </summary>
    public const int StackSize = 256 * 1024;

    public ThreadsEchoServer(ServerOptions options, EchoMetrics metrics, ILoggerFactory loggerFactory)
        : base(options, metrics, loggerFactory, "EchoServers.Threads")
    {
    }

    protected override void Dispatch(Socket socket)
    {
        try
        {
            var thread = new Thread(() => Serve(socket), StackSize)
            {
                IsBackground = true,
                Name = "echo-connection",
            };
            thread.Start();
        }
        catch (OutOfMemoryException)
        {
            // No thread could be created: refuse this one rather than fall over.
            Refuse(socket, "server out of threads", ConnectionEvent.Failed);
        }
    }
}
