using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using EchoServers.Load.Engine;
using EchoServers.Load.Measurement;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Processes;

/// <summary>
/// Several machines' worth of servers behind an L4 balancer, on loopback: HAProxy in TCP mode with two
/// <c>echo-server</c> backends (health checks on). echo-load through it is byte-exact; one backend killed mid-run
/// costs exactly its own connections (ended, counted as resets/EOFs, never as wrong bytes), the rest run on, and new
/// connections go to the survivor.
/// </summary>
public sealed class HaproxyTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private static readonly string[] Locations = ["/usr/sbin/haproxy", "/usr/bin/haproxy", "/usr/local/sbin/haproxy"];

    [Fact]
    public async Task LoadThroughHaproxySurvivesLosingABackend()
    {
        var haproxy = Locations.FirstOrDefault(File.Exists);
        Assert.SkipWhen(haproxy is null, "haproxy is not installed (scripts/setup.sh installs the Debian package)");

        await using var a = await SupervisedServer.StartAsync(1, "eventloop");
        await using var b = await SupervisedServer.StartAsync(1, "eventloop");
        var directory = Directory.CreateTempSubdirectory("haproxy-").FullName;
        var frontend = FreePort();
        var config = Path.Combine(directory, "haproxy.cfg");
        await File.WriteAllTextAsync(config, Config(frontend, a.EndPoint, b.EndPoint), TestContext.Current.CancellationToken);
        using var proxy = Process.Start(new ProcessStartInfo(haproxy!, ["-db", "-f", config]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var proxyOutput = new System.Collections.Concurrent.ConcurrentQueue<string>();
        proxy.OutputDataReceived += (_, e) => proxyOutput.Enqueue(e.Data ?? string.Empty);
        proxy.ErrorDataReceived += (_, e) => proxyOutput.Enqueue(e.Data ?? string.Empty);
        proxy.BeginOutputReadLine();
        proxy.BeginErrorReadLine();
        try
        {
            var endPoint = new IPEndPoint(IPAddress.Loopback, frontend);
            await WaitForEchoAsync(endPoint, proxy);
            Assert.False(proxy.HasExited, string.Join(Environment.NewLine, proxyOutput));

            // Kill backend a once the measurement is a second old; its connections are the ones HAProxy gave it.
            var killed = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            var progress = new KillAtSecond(1, () =>
            {
                var held = SocketOwners.Find(a.EndPoint.Port, [a.ProcessId]).Count;
                SupervisedServer.Signal(a.ProcessId, "KILL");
                killed.TrySetResult(held);
            });
            var result = await LoadRunner.RunAsync(
                new LoadOptions { Target = endPoint, Connections = 20, Pipeline = 1, Duration = TimeSpan.FromSeconds(4), Warmup = TimeSpan.FromSeconds(0.5), Timeout = TimeSpan.FromSeconds(3) },
                progress,
                TestContext.Current.CancellationToken);
            var lost = await killed.Task.WaitAsync(Timeout, TestContext.Current.CancellationToken);

            // Round robin gave a half of the connections (plus or minus a health check's turn).
            Assert.InRange(lost, 8, 12);
            Assert.Equal(20, result.Connections.Established);
            Assert.Equal(20, result.Connections.Served);
            Assert.Equal(0, result.Errors.Mismatch + result.Errors.Reorder + result.Errors.Timeout + result.Errors.Connect + result.Errors.Overflow);

            // Each connection of the dead backend ended once (pipeline 1: one message lost each); none of the others did.
            // Mostly as an end of stream, not a reset: the dead worker's kernel closes its sockets with a FIN when nothing
            // is unread, and HAProxy in TCP mode passes a FIN on as a FIN (option nolinger does not change that).
            Assert.True(lost == result.Errors.Reset + result.Errors.Eof, $"{lost} connections lost; errors {result.Errors}");
            Assert.True(result.Messages > 1000, $"only {result.Messages} messages");

            // New connections: all to the survivor (a is down, its health check says so), all byte-exact.
            for (var i = 0; i < 10; i++)
            {
                await using var client = await TestClient.ConnectAsync(endPoint);
                await EchoAsync(client);
            }
        }
        finally
        {
            proxy.Kill();
            await proxy.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(Timeout, TestContext.Current.CancellationToken);
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>The configuration of docs/scale.md, on loopback ports: TCP mode, round robin, health checks every 200 ms.</summary>
    internal static string Config(int frontend, IPEndPoint a, IPEndPoint b) => string.Create(CultureInfo.InvariantCulture, $"""
        global
            # Two descriptors per connection; HAProxy refuses to start if maxconn needs more than the fd limit allows.
            maxconn 4000

        defaults
            mode tcp
            timeout connect 2s
            timeout client 60s
            timeout server 60s
            retries 2
            option redispatch

        frontend echo
            bind 127.0.0.1:{frontend}
            default_backend echo_servers

        backend echo_servers
            balance roundrobin
            # A killed backend is marked down after 2 failed checks (400 ms); back up after 2 good ones.
            default-server check inter 200ms fall 2 rise 2
            server a {a}
            server b {b}

        """);

    private static int FreePort()
    {
        // HAProxy cannot report a port it picked; the kernel's choice for a socket closed at once is free in practice.
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static async Task WaitForEchoAsync(IPEndPoint endPoint, Process proxy)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(Timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            try
            {
                await using var client = await TestClient.ConnectAsync(endPoint);
                await EchoAsync(client);
                return;
            }
            catch (Exception ex) when (ex is SocketException or TimeoutException && Stopwatch.GetTimestamp() < deadline && !proxy.HasExited)
            {
                // HAProxy not listening yet, or its backends not yet checked up.
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }
        }
    }

    private static async Task EchoAsync(TestClient client)
    {
        var payload = RandomNumberGenerator.GetBytes(300);
        await client.SendAsync(payload);
        Assert.Equal(payload, await client.ReceiveExactlyAsync(payload.Length, TimeSpan.FromSeconds(5)));
    }

    private sealed class KillAtSecond(double second, Action kill) : IProgressSink
    {
        private int _done;

        public void OnPhase(string phase, string detail)
        {
        }

        public void OnConnecting(int attempted, int total, int failed)
        {
        }

        public void OnSecond(SecondSnapshot snapshot)
        {
            if (snapshot.Phase == "measure" && snapshot.Second >= second + 0.5 && Interlocked.Exchange(ref _done, 1) == 0)
            {
                kill();
            }
        }

        public void OnWarning(string message)
        {
        }

        public void OnFinished()
        {
        }
    }
}
