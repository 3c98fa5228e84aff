using System.Diagnostics;
using EchoServers.Protocol.Framing;

namespace EchoServers.Tests.Reliability;

/// <summary>
/// The out-of-process adapter, against a ten-line Python echo server (python3 is part of the setup): it finds the
/// port in the log, serves through it, and stops with SIGTERM and a clean exit.
/// </summary>
[Trait("Category", "Reliability")]
public sealed class ProcessEchoServerTests
{
    private const string PythonEchoServer = """
        import signal, socket, sys, threading
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        listener = socket.create_server(("127.0.0.1", 0))
        print("listening on %s:%d" % listener.getsockname(), flush=True)
        def serve(conn):
            with conn:
                while data := conn.recv(65536):
                    conn.sendall(data)
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=serve, args=(conn,), daemon=True).start()
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Finds_the_port_in_the_log_serves_and_stops_on_SIGTERM_with_exit_code_0()
    {
        await using var server = new ProcessEchoServer(new ProcessStartInfo("python3") { ArgumentList = { "-c", PythonEchoServer } });
        await server.StartAsync(Ct);

        await EchoProbe.AssertEchoesAsync(server.LocalEndPoint, FramingKind.Raw, Ct);
        await server.StopAsync(TimeSpan.FromSeconds(2), Ct);

        Assert.Equal(0, server.ExitCode);
        Assert.Contains(server.Output, line => line.StartsWith("listening on 127.0.0.1:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_server_that_dies_before_listening_fails_the_start_with_its_output()
    {
        await using var server = ProcessEchoServer.FromShell("echo 'cannot bind: EMFILE' >&2; exit 3");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => server.StartAsync(Ct));

        Assert.Contains("EMFILE", error.Message);
    }
}
