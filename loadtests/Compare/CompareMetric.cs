namespace EchoServers.Load.Compare;

/// <summary>A figure compared between two reports, and which way is better.</summary>
/// <param name="Name">Column name, e.g. <c>p99</c>.</param>
/// <param name="HigherIsBetter">True for rates, false for latency, errors and CPU.</param>
/// <param name="Unit"><c>us</c> for latencies (printed as µs/ms/s), otherwise printed as a plain number with this unit.</param>
public sealed record CompareMetric(string Name, bool HigherIsBetter, string Unit)
{
    public static readonly CompareMetric Rate = new("msgs/s", true, string.Empty);
    public static readonly CompareMetric P50 = new("p50", false, "us");
    public static readonly CompareMetric P99 = new("p99", false, "us");
    public static readonly CompareMetric P999 = new("p99.9", false, "us");
    public static readonly CompareMetric Errors = new("errors", false, string.Empty);
    public static readonly CompareMetric ServerCpu = new("server CPU us/msg", false, string.Empty);
    public static readonly CompareMetric GeneratorCpu = new("generator CPU us/msg", false, string.Empty);
    public static readonly CompareMetric IdleMemory = new("idle bytes/conn", false, string.Empty);

    /// <summary>Every metric in table order.</summary>
    public static readonly IReadOnlyList<CompareMetric> All = [Rate, P50, P99, P999, Errors, ServerCpu, GeneratorCpu, IdleMemory];
}
