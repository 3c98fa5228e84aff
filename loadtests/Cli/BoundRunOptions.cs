using EchoServers.Load.Assertions;
using EchoServers.Load.Engine;

namespace EchoServers.Load.Cli;

/// <summary>The command line of <c>run</c> after parsing and validation.</summary>
internal sealed record BoundRunOptions(
    LoadOptions Load,
    IReadOnlyList<Assertion> Assertions,
    string? JsonPath,
    string? CsvPath,
    string? HdrPath,
    string? ReportDirectory,
    bool Plain,
    bool Quiet);
