namespace EchoServers.Tests.Infrastructure;

/// <summary>Tests that redirect <see cref="Console"/> (process-wide) join this collection, which never runs in parallel with others.</summary>
[CollectionDefinition(nameof(ConsoleCollection), DisableParallelization = true)]
public sealed class ConsoleCollection;
