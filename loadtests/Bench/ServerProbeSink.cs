using System.Diagnostics;
using EchoServers.Linux;
using EchoServers.Load.Engine;
using EchoServers.Load.Measurement;

namespace EchoServers.Load.Bench;

/// <summary>
/// A progress sink that reads the server's /proc figures at the engine's phase changes: when measurement starts
/// and when it ends (the drain begins), so server CPU is taken over exactly the measured window; with
/// <paramref name="countSyscalls"/>, its system calls too (<see cref="SyscallCounter"/>).
/// </summary>
internal sealed class ServerProbeSink(int serverPid, bool countSyscalls = false) : IProgressSink
{
    private long _startTs;
    private long _endTs;
    private SyscallCounter? _syscalls;

    public ProcessSample? AtStart { get; private set; }

    public ProcessSample? AtEnd { get; private set; }

    /// <summary>System calls the server made over the window; null when not counted.</summary>
    public long? Syscalls { get; private set; }

    /// <summary>Seconds between the two readings.</summary>
    public double Seconds => (_endTs - _startTs) / (double)Stopwatch.Frequency;

    public void OnPhase(string phase, string detail)
    {
        if (phase == "measure")
        {
            _syscalls = countSyscalls ? SyscallCounter.TryStart(serverPid) : null;
            AtStart = ProcessSample.TryRead(serverPid, countFds: false);
            _startTs = Stopwatch.GetTimestamp();
        }
        else if (phase == "drain" && AtStart is not null)
        {
            AtEnd = ProcessSample.TryRead(serverPid, countFds: false);
            _endTs = Stopwatch.GetTimestamp();
            Syscalls = _syscalls?.Stop();
            _syscalls = null;
        }
    }

    public void OnConnecting(int attempted, int total, int failed)
    {
    }

    public void OnSecond(SecondSnapshot snapshot)
    {
    }

    public void OnWarning(string message)
    {
    }

    public void OnFinished()
    {
    }
}
