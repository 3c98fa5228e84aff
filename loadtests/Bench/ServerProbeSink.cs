using System.Diagnostics;
using EchoServers.Linux;
using EchoServers.Load.Engine;
using EchoServers.Load.Measurement;

namespace EchoServers.Load.Bench;

/// <summary>
/// A progress sink that reads the server's /proc figures at the engine's phase changes: when measurement starts
/// and when it ends (the drain begins), so server CPU is taken over exactly the measured window.
/// </summary>
internal sealed class ServerProbeSink(int serverPid) : IProgressSink
{
    private long _startTs;
    private long _endTs;

    public ProcessSample? AtStart { get; private set; }

    public ProcessSample? AtEnd { get; private set; }

    /// <summary>Seconds between the two readings.</summary>
    public double Seconds => (_endTs - _startTs) / (double)Stopwatch.Frequency;

    public void OnPhase(string phase, string detail)
    {
        if (phase == "measure")
        {
            AtStart = ProcessSample.TryRead(serverPid, countFds: false);
            _startTs = Stopwatch.GetTimestamp();
        }
        else if (phase == "drain" && AtStart is not null)
        {
            AtEnd = ProcessSample.TryRead(serverPid, countFds: false);
            _endTs = Stopwatch.GetTimestamp();
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
