namespace EchoServers.Tests.Load.Tls;

/// <summary>
/// The TLS engine's whole runs, one at a time and never beside another test class: each keeps both cores busy with
/// handshakes and encryption for a second or more, which would stretch the timing of the tests that measure rates
/// and deadlines (and theirs would stretch these).
/// </summary>
[CollectionDefinition(nameof(TlsLoadCollection), DisableParallelization = true)]
public sealed class TlsLoadCollection;
