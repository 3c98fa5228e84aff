using System.Diagnostics;

namespace EchoServers.Protocol.Work;

/// <summary>Does the simulated work of a <see cref="WorkSpec"/>, the blocking way or the asynchronous way.</summary>
public static class WorkSimulator
{
    /// <summary>Burns CPU for <paramref name="duration"/> on the calling thread.</summary>
    public static void Spin(TimeSpan duration)
    {
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < until)
        {
            Thread.SpinWait(8);
        }
    }

    /// <summary>
    /// The blocking models' work: a busy loop for CPU work, a blocking wait for IO work
    /// (which is what a synchronous database call does to a thread).
    /// </summary>
    public static void Run(WorkSpec work)
    {
        if (work.IsNone)
        {
            return;
        }

        if (work.Kind == WorkKind.Cpu)
        {
            Spin(work.Duration);
        }
        else
        {
            Thread.Sleep(work.Duration);
        }
    }

    /// <summary>The asynchronous models' work: a busy loop for CPU work, a timer wait for IO work.</summary>
    public static ValueTask RunAsync(WorkSpec work, CancellationToken cancellationToken)
    {
        if (work.IsNone)
        {
            return ValueTask.CompletedTask;
        }

        if (work.Kind == WorkKind.Cpu)
        {
            Spin(work.Duration);
            return ValueTask.CompletedTask;
        }

        return new ValueTask(Task.Delay(work.Duration, cancellationToken));
    }
}
