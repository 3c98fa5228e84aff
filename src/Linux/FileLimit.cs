namespace EchoServers.Linux;

/// <summary>RLIMIT_NOFILE: how many descriptors this process may open (every connection costs one).</summary>
internal static unsafe class FileLimit
{
    /// <summary>The soft and hard limits on open file descriptors.</summary>
    public static bool TryGet(out ulong soft, out ulong hard)
    {
        LibC.RLimit limit;
        if (LibC.GetRLimit(LinuxConstants.RlimitNoFile, &limit) != 0)
        {
            soft = hard = 0;
            return false;
        }

        soft = limit.Current;
        hard = limit.Maximum;
        return true;
    }

    /// <summary>Sets the soft limit to <paramref name="soft"/> (an unprivileged process: at most <paramref name="hard"/>).</summary>
    public static bool TrySet(ulong soft, ulong hard)
    {
        var limit = new LibC.RLimit { Current = soft, Maximum = hard };
        return LibC.SetRLimit(LinuxConstants.RlimitNoFile, &limit) == 0;
    }
}
