using EchoServers.Load.Engine;
using EchoServers.Load.Measurement;
using Spectre.Console;

namespace EchoServers.Load.Reports;

/// <summary>
/// Live progress on a terminal: one Spectre.Console table redrawn in place (phase, rate, p50/p99/max, errors,
/// connections, CPU), plus the last seconds as rows. Updates arrive from the runner; drawing runs on its own task.
/// </summary>
public sealed class LiveProgressSink : IProgressSink
{
    private const int RowsShown = 8;
    private readonly Lock _gate = new();
    private readonly List<SecondSnapshot> _seconds = [];
    private readonly List<string> _warnings = [];
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string _phase = "starting";
    private string _detail = string.Empty;
    private string _connecting = string.Empty;

    public LiveProgressSink()
    {
        Completion = AnsiConsole.Live(new Markup("starting")).AutoClear(false).StartAsync(async context =>
        {
            while (!_finished.Task.IsCompleted)
            {
                context.UpdateTarget(Render());
                await Task.WhenAny(_finished.Task, Task.Delay(250));
            }

            context.UpdateTarget(Render());
        });
    }

    /// <summary>Completes when the live view has drawn its last frame.</summary>
    public Task Completion { get; }

    public void OnPhase(string phase, string detail)
    {
        lock (_gate)
        {
            _phase = phase;
            _detail = detail;
        }
    }

    public void OnConnecting(int attempted, int total, int failed)
    {
        lock (_gate)
        {
            _connecting = $"{attempted}/{total} connected, {failed} failed";
        }
    }

    public void OnSecond(SecondSnapshot snapshot)
    {
        lock (_gate)
        {
            _seconds.Add(snapshot);
        }
    }

    public void OnWarning(string message)
    {
        lock (_gate)
        {
            _warnings.Add(message);
        }
    }

    public void OnFinished() => _finished.TrySetResult();

    private Table Render()
    {
        lock (_gate)
        {
            var table = new Table().Border(TableBorder.Rounded)
                .Title($"[bold]echo-load[/] {Markup.Escape(_phase)}: {Markup.Escape(_detail)}")
                .AddColumns("second", "phase", "msgs/s", "p50", "p99", "max", "errors", "conns", "cpu");
            foreach (var s in _seconds.TakeLast(RowsShown))
            {
                table.AddRow(
                    $"{s.Second:0.#}", s.Phase, Format.Rate(s.MessagesPerSecond), Format.Us(s.P50Us), Format.Us(s.P99Us),
                    Format.Us(s.MaxUs), s.Errors == 0 ? "0" : $"[red]{s.Errors}[/]", $"{s.ActiveConnections}", $"{s.CpuPercent:0}%");
            }

            var caption = string.Join(" | ", new[] { _connecting }.Concat(_warnings.Select(w => $"warning: {w}")).Where(t => t.Length > 0));
            return caption.Length > 0 ? table.Caption(Markup.Escape(caption)) : table;
        }
    }
}
