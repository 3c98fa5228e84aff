namespace EchoServers.Fuzz;

/// <summary>A broken invariant found by a target (as opposed to an exception the parser itself threw).</summary>
internal sealed class FuzzFinding(string message) : Exception(message);
