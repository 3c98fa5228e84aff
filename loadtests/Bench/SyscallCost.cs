using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EchoServers.Linux;

namespace EchoServers.Load.Bench;

/// <summary>
/// What a system call costs on this machine, measured by the bench in a few milliseconds so reports from different
/// machines can be compared: a model that makes more calls per message than the C server moves against it as this
/// cost moves (docs/performance.md). Two figures, each the fastest of several batches (the least disturbed): a null
/// call (<c>getppid</c>) and a <c>recv</c> on an empty non-blocking TCP socket that returns EAGAIN — the speculative
/// read System.Net.Sockets makes before each wait.
/// </summary>
public static unsafe class SyscallCost
{
    private const int Batches = 5;
    private const int CallsPerBatch = 20_000;

    /// <summary>Nanoseconds per null system call and per EAGAIN recv; null where they cannot be measured (not Linux).</summary>
    public static (double NullNs, double EagainRecvNs)? Measure()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var nullNs = Fastest(() =>
        {
            for (var i = 0; i < CallsPerBatch; i++)
            {
                _ = LibC.GetPpid();
            }
        });

        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        using var server = listener.Accept();
        server.Blocking = false;
        var fd = (int)server.Handle;
        var eagainNs = Fastest(() =>
        {
            byte b;
            for (var i = 0; i < CallsPerBatch; i++)
            {
                _ = LibC.Recv(fd, &b, 1, 0);
            }
        });
        return (Math.Round(nullNs, 1), Math.Round(eagainNs, 1));
    }

    private static double Fastest(Action batch)
    {
        var best = double.MaxValue;
        for (var b = 0; b < Batches; b++)
        {
            var start = Stopwatch.GetTimestamp();
            batch();
            var ns = Stopwatch.GetElapsedTime(start).TotalNanoseconds / CallsPerBatch;
            best = Math.Min(best, ns);
        }

        return best;
    }
}
