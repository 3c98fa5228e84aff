using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Reliability;

/// <summary>The survival cases against the tiny in-test server: proof the cases work before the real models plug in.</summary>
[Trait("Category", "Reliability")]
public sealed class TinyEchoServerSurvivalTests() : ServerSurvivalTests(options => new TinyEchoServer(options));
