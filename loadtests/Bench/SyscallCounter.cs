using System.Diagnostics;
using System.Globalization;
using EchoServers.Linux;

namespace EchoServers.Load.Bench;

/// <summary>
/// Counts a server's system calls over a window with <c>perf stat -e raw_syscalls:sys_enter -p PID</c> (an in-kernel
/// counter on the tracepoint: cheap, unlike strace), the logic of scripts/syscalls-per-message.sh. Started when the
/// measured window opens, stopped (SIGINT, perf then prints its count) when it closes. Where perf is missing or not
/// allowed to trace, <see cref="Available"/> is false and the bench reports no figure.
/// </summary>
internal sealed class SyscallCounter
{
    private const string Event = "raw_syscalls:sys_enter";
    private const int SigInt = 2;
    private static readonly Lazy<bool> Probe = new(() => Run(["stat", "-x,", "-e", Event, "--", "true"], out var err) == 0 && Parse(err) is not null);

    private readonly Process _perf;
    private readonly Task<string> _stderr;

    private SyscallCounter(Process perf)
    {
        _perf = perf;
        _stderr = perf.StandardError.ReadToEndAsync();
    }

    /// <summary>Whether perf can count system calls here (probed once).</summary>
    public static bool Available => Probe.Value;

    /// <summary>Starts counting <paramref name="pid"/>'s system calls; null when perf is not available.</summary>
    public static SyscallCounter? TryStart(int pid)
    {
        if (!Available)
        {
            return null;
        }

        var perf = Process.Start(Info(["stat", "-x,", "-e", Event, "-p", pid.ToString(CultureInfo.InvariantCulture)]));
        return perf is null ? null : new SyscallCounter(perf);
    }

    /// <summary>Stops counting: the system calls made since <see cref="TryStart"/>, or null when perf gave no count.</summary>
    public long? Stop()
    {
        try
        {
            LibC.Kill(_perf.Id, SigInt);
            if (!_perf.WaitForExit(TimeSpan.FromSeconds(5)))
            {
                _perf.Kill();
                return null;
            }

            return Parse(_stderr.Wait(TimeSpan.FromSeconds(2)) ? _stderr.Result : string.Empty);
        }
        finally
        {
            _perf.Dispose();
        }
    }

    /// <summary>The count of perf's CSV line for the event (<c>12345,,raw_syscalls:sys_enter,…</c>).</summary>
    internal static long? Parse(string perfStderr)
    {
        foreach (var line in perfStderr.Split('\n'))
        {
            var fields = line.Split(',');
            if (fields.Length > 2 && fields[2] == Event)
            {
                return long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count : null;
            }
        }

        return null;
    }

    private static ProcessStartInfo Info(IEnumerable<string> args)
    {
        var info = new ProcessStartInfo("perf") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }

    private static int Run(IEnumerable<string> args, out string stderr)
    {
        stderr = string.Empty;
        try
        {
            using var perf = Process.Start(Info(args));
            if (perf is null)
            {
                return -1;
            }

            var err = perf.StandardError.ReadToEndAsync();
            if (!perf.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                perf.Kill();
                return -1;
            }

            stderr = err.Result;
            return perf.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1; // not installed
        }
    }
}
