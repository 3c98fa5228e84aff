namespace EchoServers.Servers.Hosting;

/// <summary>The concurrency strategies a server can run with; the behaviour is the same for all.</summary>
public enum ServerModel
{
    /// <summary>One dedicated thread per connection, blocking sockets.</summary>
    Threads,

    /// <summary>A fixed set of worker threads and a bounded queue of waiting connections.</summary>
    Pool,

    /// <summary>Own accept loop, sockets pumped into System.IO.Pipelines, async/await.</summary>
    Async,

    /// <summary>One thread per loop running Linux epoll over non-blocking sockets.</summary>
    EventLoop,

    /// <summary>Kestrel's socket transport with a connection handler.</summary>
    Kestrel,
}
