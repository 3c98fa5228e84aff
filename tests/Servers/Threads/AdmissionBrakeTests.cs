using System.Diagnostics;
using EchoServers.Linux;
using EchoServers.Servers.Threads;

namespace EchoServers.Tests.Servers.Threads;

public sealed class AdmissionBrakeTests
{
    // Long enough that only a Release can end a wait within the tests' 5 s deadline.
    private static readonly TimeSpan Forever = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Off_a_reply_goes_on_at_once()
    {
        var brake = new AdmissionBrake(Forever);

        await Task.Run(brake.Yield, Ct).WaitAsync(Deadline, Ct);

        Assert.False(brake.IsOn);
    }

    [Fact]
    public async Task Release_wakes_every_sleeping_connection_thread()
    {
        Assert.SkipUnless(Futex.IsSupported, "the brake is put on only where futex(2) exists");
        var brake = new AdmissionBrake(Forever);
        brake.Apply();
        Assert.True(brake.IsOn);
        var sleepers = Enumerable.Range(0, 16).Select(_ => Task.Factory.StartNew(brake.Yield, Ct, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();

        brake.Release();

        await Task.WhenAll(sleepers).WaitAsync(Deadline, Ct);
        Assert.False(brake.IsOn);
    }

    [Fact]
    public void A_brake_left_on_holds_a_reply_for_its_longest_pause_then_lets_it_go()
    {
        Assert.SkipUnless(Futex.IsSupported, "the brake is put on only where futex(2) exists");
        var pause = TimeSpan.FromMilliseconds(100);
        var brake = new AdmissionBrake(pause);
        brake.Apply();

        var started = Stopwatch.GetTimestamp();
        brake.Yield();
        var waited = Stopwatch.GetElapsedTime(started);

        Assert.InRange(waited, pause, Deadline);
        Assert.True(brake.IsOn);
    }
}
