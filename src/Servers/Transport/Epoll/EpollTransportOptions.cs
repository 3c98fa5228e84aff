using System.Buffers;
using System.IO.Pipelines;
using EchoServers.Servers.Connections;
using EchoServers.Servers.Hosting;
using Microsoft.Extensions.Logging;

namespace EchoServers.Servers.Transport.Epoll;

/// <summary>How the epoll transport runs: its loops, its pipes' thresholds and the scheduler of the app's side.</summary>
internal sealed record EpollTransportOptions
{
    /// <summary>Loop threads; connections are dealt to them in turn.</summary>
    public int Loops { get; init; } = 1;

    public int Backlog { get; init; } = 4096;

    /// <summary>Listen with SO_REUSEPORT: a worker of <c>--processes</c> shares the port with the others.</summary>
    public bool ReusePort { get; init; }

    /// <summary>Input (<see cref="EpollInput"/>): reading stops (EPOLLIN dropped) at this many unconsumed bytes, resumes below the resume mark.</summary>
    public long InputPause { get; init; } = 128 * 1024;

    public long InputResume { get; init; } = 64 * 1024;

    /// <summary>Output (<see cref="EpollOutput"/>): the app's flush waits at this many unsent bytes.</summary>
    public long OutputPause { get; init; } = PipeLimits.OutputPause;

    public long OutputResume { get; init; } = PipeLimits.OutputResume;

    /// <summary>Input block size, and so the most one recv takes.</summary>
    public int SegmentSize { get; init; } = PipeLimits.MinimumSegmentSize;

    /// <summary>Where the app's continuations run: inline on the loop (no simulated work), or the thread pool.</summary>
    public PipeScheduler AppScheduler { get; init; } = PipeScheduler.Inline;

    /// <summary>Where the input's and output's blocks come from: reused blocks, so steady state allocates nothing.</summary>
    public MemoryPool<byte> Pool { get; init; } = new BlockMemoryPool(PipeLimits.MinimumSegmentSize);

    public required ILogger Logger { get; init; }

    /// <summary>Fault injection for tests (accept errors, a crashing loop); null in production.</summary>
    public ServerTestHooks? Hooks { get; init; }

    /// <summary>The transport for a pipe model: the same thresholds and scheduling as <see cref="PipeLimits"/>.</summary>
    public static EpollTransportOptions For(ServerOptions options, ILogger logger)
    {
        var input = PipeLimits.Input(options.Protocol);
        var output = PipeLimits.Output(options.Protocol);
        return new EpollTransportOptions
        {
            Loops = options.Loops,
            Backlog = options.Backlog,
            ReusePort = options.ReusePort,
            InputPause = input.PauseWriterThreshold,
            InputResume = input.ResumeWriterThreshold,
            OutputPause = output.PauseWriterThreshold,
            OutputResume = output.ResumeWriterThreshold,
            SegmentSize = input.MinimumSegmentSize,
            AppScheduler = PipeLimits.Scheduler(options.Protocol),
            Pool = new BlockMemoryPool(input.MinimumSegmentSize),
            Logger = logger,
            Hooks = options.TestHooks,
        };
    }
}
