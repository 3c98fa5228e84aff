namespace EchoServers.Fuzz;

/// <summary>
/// The fuzz targets, one per parser of untrusted bytes. A target returns normally for every input the parser
/// rejects cleanly (its documented error); anything else it throws is a crash for the fuzzer to report.
/// </summary>
internal static class Targets
{
    public static readonly IReadOnlyDictionary<string, Action<byte[]>> All = new Dictionary<string, Action<byte[]>>(StringComparer.Ordinal)
    {
        ["framer"] = FramerTarget.Run,
        ["run-json"] = ResultTargets.RunJson,
        ["hdr-log"] = ResultTargets.HdrLog,
        ["bench-json"] = ResultTargets.BenchJson,
        ["load-syntax"] = SyntaxTargets.Load,
        ["assert-syntax"] = SyntaxTargets.Assert,
    };
}
