using System.Diagnostics;
using System.Security.Cryptography;
using EchoServers.Linux;

namespace EchoServers.Tests.Linux;

public sealed class ProcessSampleTests
{
    [Fact]
    public void Reads_memory_fds_threads_and_cpu_of_this_process()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "/proc is Linux only");

        // Burn a little CPU so the CPU time cannot read zero.
        for (var i = 0; i < 200; i++)
        {
            SHA256.HashData(new byte[64 * 1024]);
        }

        var sample = ProcessSample.Read(Environment.ProcessId);

        Assert.InRange(sample.RssBytes, 1L << 20, 1L << 40);
        Assert.True(sample.OpenFds >= 3, $"{sample.OpenFds} fds");
        Assert.True(sample.Threads >= 1);
        Assert.True(sample.CpuTime > TimeSpan.Zero);
        Assert.True(sample.CpuTime <= Process.GetCurrentProcess().TotalProcessorTime + TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void Without_counting_fds_the_rest_is_still_read()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "/proc is Linux only");

        var sample = ProcessSample.TryRead(Environment.ProcessId, countFds: false);

        Assert.NotNull(sample);
        Assert.Equal(-1, sample.Value.OpenFds);
        Assert.InRange(sample.Value.RssBytes, 1L << 20, 1L << 40);
        Assert.True(sample.Value.Threads >= 1);
    }

    [Fact]
    public void A_process_that_is_gone_cannot_be_read()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "/proc is Linux only");
        Assert.ThrowsAny<IOException>(() => ProcessSample.Read(int.MaxValue));
        Assert.Null(ProcessSample.TryRead(int.MaxValue));
    }
}
