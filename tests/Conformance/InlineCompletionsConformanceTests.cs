using System.Reflection;
using EchoServers.Servers.Hosting;
using EchoServers.Tests.Infrastructure;
using EchoServers.Tests.Servers;

namespace EchoServers.Tests.Conformance;

/// <summary>
/// The pipe models as production runs them: the host turns inline socket completions on
/// (<see cref="InlineSocketCompletions"/>), so receive pumps, sessions and sends run on the runtime's epoll thread.
/// The runtime reads the switch once per process, and this test process has it off, so the cases run again in a
/// process of their own that has it on (this assembly is its own xunit runner): the same conformance classes, the
/// same servers, metrics and logs, with only the switch different.
/// </summary>
public sealed class InlineCompletionsConformanceTests
{
    /// <summary>The cases where running on the epoll thread could go wrong: big transfers, crowds, pipelining, FIN, timers, refusals.</summary>
    private static readonly string[] Cases =
    [
        nameof(EchoServerConformanceTests.Echoes_1MiB_random_payload_split_into_random_writes_byte_exact),
        nameof(EchoServerConformanceTests.Serves_100_concurrent_clients),
        nameof(EchoServerConformanceTests.Echoes_pipelined_frames_in_order),
        nameof(EchoServerConformanceTests.Pipelined_frames_split_at_random_points_are_answered_in_order),
        nameof(EchoServerConformanceTests.Half_close_echoes_everything_then_closes),
        nameof(EchoServerConformanceTests.Client_reset_mid_stream_does_not_hurt_other_clients),
        nameof(EchoServerConformanceTests.Idle_timeout_closes_a_silent_connection),
        nameof(EchoServerConformanceTests.Max_connections_refuses_the_next_and_keeps_serving_the_others),
        nameof(EchoServerConformanceTests.Slow_reader_is_throttled_with_bounded_memory_and_others_are_served),
        nameof(EchoServerConformanceTests.Graceful_stop_answers_what_was_sent_then_closes_within_the_drain_timeout),
    ];

    [Theory]
    [InlineData(ServerModel.Async, typeof(AsyncSocketsConformanceTests))]
    [InlineData(ServerModel.Kestrel, typeof(KestrelSocketsConformanceTests))]
    public async Task Conformance_cases_pass_with_inline_socket_completions_on_as_the_host_sets_them(ServerModel model, Type suite)
    {
        // The host would turn them on for these options (it does so only for pipe models without simulated work).
        Assert.True(InlineSocketCompletions.Wanted(TestServers.Defaults(model)), $"the host would not turn inline completions on for {model}");

        // The probe shows the child process really had them on; -failSkips makes a skipped case a failure.
        var probe = $"{typeof(InlineSocketCompletionsTests).FullName}.{nameof(InlineSocketCompletionsTests.Socket_continuations_leave_the_thread_pool_exactly_when_inline_completions_are_on)}";
        var methods = Cases.Select(c => $"{suite.FullName}.{c}").Append(probe).ToArray();
        var expected = Cases.Sum(c => Rows(typeof(EchoServerConformanceTests).GetMethod(c)!)) + 1;

        // The value the host sets (an explicit setting in the environment is what it defers to).
        var result = await TestAssemblyProcess.RunAsync(methods, new Dictionary<string, string> { [InlineSocketCompletions.Variable] = "1" }, TimeSpan.FromMinutes(3));

        TestContext.Current.TestOutputHelper?.WriteLine(result.Output);
        Assert.True(result.ExitCode == 0, $"the inline-completions run failed (exit {result.ExitCode}):{Environment.NewLine}{result.Output}");
        Assert.Equal(expected, result.Total);
        Assert.Equal(0, result.Failed);
        Assert.Equal(0, result.Skipped);
    }

    private static int Rows(MethodInfo method) => method.GetCustomAttributes<InlineDataAttribute>().Count() is var rows and > 0 ? rows : 1;
}
