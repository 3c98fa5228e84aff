using EchoServers.Load.Bench;

namespace EchoServers.Tests.Bench;

/// <summary>The bench's system-call figures: the cost probe and the perf counter's parsing.</summary>
public sealed class SyscallMeasurementTests
{
    [Fact]
    public void Cost_probe_measures_both_calls_in_a_plausible_range()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Linux system calls");
        var cost = SyscallCost.Measure();
        Assert.NotNull(cost);

        // A system call costs tens of nanoseconds on bare metal and a few microseconds on the slowest VMs.
        Assert.InRange(cost.Value.NullNs, 5, 50_000);
        Assert.InRange(cost.Value.EagainRecvNs, 5, 50_000);
    }

    [Theory]
    [InlineData("123456,,raw_syscalls:sys_enter,3001234567,100.00,,\n", 123456L)]
    [InlineData("# started on …\n\n987,,raw_syscalls:sys_enter,1,100.00,,\n", 987L)]
    [InlineData("<not counted>,,raw_syscalls:sys_enter,0,100.00,,\n", null)]
    [InlineData("perf: command not found\n", null)]
    public void Counter_reads_perfs_csv_line(string stderr, long? expected) => Assert.Equal(expected, SyscallCounter.Parse(stderr));
}
