using System.Diagnostics.Metrics;
using EchoServers.Servers.Hosting.Processes;

namespace EchoServers.Servers.Hosting.Metrics;

/// <summary>
/// The supervisor's <c>EchoServers</c> meter for <c>--processes N</c>: one scrape target for the group. Every
/// instrument a single server publishes, under the same name, summed over the workers (so one dashboard reads a
/// single server and a group alike), and each also as <c>echo.worker.*</c> labelled <c>worker=1..N</c>. Both read the
/// totals the workers report every second; a slot's totals keep its dead incarnations' last counts, so a restart
/// never makes a counter go backwards, in the sum or in the slot's own series. <c>echo.worker.cpu_time</c> is each
/// worker's CPU time, as the workers report it with their totals.
/// </summary>
internal sealed class GroupMeter : IDisposable
{
    private readonly Meter _meter = new(EchoMetrics.MeterName);
    private readonly IReadOnlyList<WorkerProcess> _workers;

    public GroupMeter(IReadOnlyList<WorkerProcess> workers, Func<int> restarts)
    {
        _workers = workers;
        foreach (var instrument in EchoInstruments.All)
        {
            var read = instrument.Read;
            var name = instrument.Name;
            if (instrument.IsGauge)
            {
                _meter.CreateObservableUpDownCounter(name, () => Sum(read), instrument.Unit, instrument.Description);
                _meter.CreateObservableUpDownCounter(WorkerName(name), () => PerWorker(read), instrument.Unit, instrument.Description + ", per worker");
            }
            else
            {
                _meter.CreateObservableCounter(name, () => Sum(read), instrument.Unit, instrument.Description);
                _meter.CreateObservableCounter(WorkerName(name), () => PerWorker(read), instrument.Unit, instrument.Description + ", per worker");
            }
        }

        _meter.CreateObservableUpDownCounter("echo.workers.running", () => _workers.Count(w => w.Running), "{process}", "Worker processes running");
        _meter.CreateObservableCounter("echo.workers.restarts", () => (long)restarts(), "{restart}", "Worker processes restarted after dying");

        // The supervisor's own process_cpu_time is the supervisor's alone; a dashboard adds these for the group's.
        _meter.CreateObservableCounter("echo.worker.cpu_time", PerWorkerCpu, "s", "CPU time (user + system) of the worker processes, per worker");
    }

    /// <summary><c>echo.messages</c> → <c>echo.worker.messages</c>.</summary>
    public static string WorkerName(string name) => "echo.worker." + name["echo.".Length..];

    public void Dispose() => _meter.Dispose();

    private long Sum(Func<MetricsSnapshot, long> read)
    {
        long sum = 0;
        foreach (var worker in _workers)
        {
            sum += read(worker.Totals);
        }

        return sum;
    }

    private IEnumerable<Measurement<double>> PerWorkerCpu()
    {
        foreach (var worker in _workers)
        {
            yield return new Measurement<double>(worker.CpuTime.TotalSeconds, new KeyValuePair<string, object?>("worker", worker.Index));
        }
    }

    private IEnumerable<Measurement<long>> PerWorker(Func<MetricsSnapshot, long> read)
    {
        foreach (var worker in _workers)
        {
            yield return new Measurement<long>(read(worker.Totals), new KeyValuePair<string, object?>("worker", worker.Index));
        }
    }
}
