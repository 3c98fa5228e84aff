using EchoServers.Load.Measurement;

namespace EchoServers.Load.Engine;

/// <summary>Receives progress while a run goes on (live view, plain lines, or nothing for bench and tests).</summary>
public interface IProgressSink
{
    /// <summary>A phase began: connect, warmup, measure, drain.</summary>
    void OnPhase(string phase, string detail);

    /// <summary>Connect phase progress, about once a second.</summary>
    void OnConnecting(int attempted, int total, int failed);

    /// <summary>One second of load.</summary>
    void OnSecond(SecondSnapshot snapshot);

    /// <summary>Something the user should know (limits raised, generator saturated, ...).</summary>
    void OnWarning(string message);

    /// <summary>The run is over (the live view can close).</summary>
    void OnFinished();
}

/// <summary>Discards progress.</summary>
public sealed class NullProgressSink : IProgressSink
{
    public static NullProgressSink Instance { get; } = new();

    public void OnPhase(string phase, string detail)
    {
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
