namespace EchoServers.Tests.Reliability;

/// <summary>
/// The one figure a reliability case reports (bytes a slow reader got in, when the last idler was freed...):
/// written to the test's output as <c>figure: ...</c>, which scripts/faults.sh reads back from the TRX file.
/// </summary>
public static class Figure
{
    /// <summary>The marker the script looks for.</summary>
    public const string Marker = "figure: ";

    /// <summary>Reports <paramref name="text"/> as the current test's figure.</summary>
    public static void Report(string text) => TestContext.Current.TestOutputHelper?.WriteLine(Marker + text);
}
