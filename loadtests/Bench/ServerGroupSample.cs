using EchoServers.Linux;

namespace EchoServers.Load.Bench;

/// <summary>
/// A server started with <c>--processes N</c> is a supervisor and its workers: its CPU and memory are the sum over
/// the supervisor and its child processes (from /proc/PID/task/*/children), read like one process.
/// </summary>
internal static class ServerGroupSample
{
    /// <summary>The group's summed CPU time, RSS and threads; null when the supervisor is gone.</summary>
    public static ProcessSample? TryRead(int supervisorPid)
    {
        if (ProcessSample.TryRead(supervisorPid, countFds: false) is not { } total)
        {
            return null;
        }

        foreach (var child in Children(supervisorPid))
        {
            if (ProcessSample.TryRead(child, countFds: false) is { } worker)
            {
                total = new ProcessSample(total.RssBytes + worker.RssBytes, total.Threads + worker.Threads, total.CpuTime + worker.CpuTime, -1);
            }
        }

        return total;
    }

    private static List<int> Children(int pid)
    {
        var tasks = $"/proc/{pid}/task";
        if (!Directory.Exists(tasks))
        {
            return [];
        }

        var children = new List<int>();
        try
        {
            foreach (var task in Directory.EnumerateDirectories(tasks))
            {
                var text = File.ReadAllText(Path.Combine(task, "children"));
                children.AddRange(text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A thread ended while we looked: what was read is enough for a sum.
        }

        return children;
    }
}
