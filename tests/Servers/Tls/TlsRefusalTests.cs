using System.Diagnostics;
using System.Net;
using EchoServers.Protocol.Framing;
using EchoServers.Servers.Connections.Tls;
using EchoServers.Servers.Hosting;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Servers.Tls;

/// <summary>
/// Refusals over TLS cost a handshake each, so they are bounded: <see cref="TlsRefuser.Slots"/> at once, the rest
/// closed at once without one. Run on the threads model; async and pool refuse through the same accept policy.
/// </summary>
public sealed class TlsRefusalTests
{
    private static readonly TimeSpan Timeout = TestClient.DefaultTimeout;

    [Fact]
    public async Task Refusals_beyond_the_slots_get_a_bare_close_instead_of_a_handshake()
    {
        using var certificate = ServerCertificate.CreateSelfSigned(IPAddress.Loopback);
        var pinned = ServerCertificate.Fingerprint(certificate);
        await using var server = await TestServers.StartAsync(ServerModel.Threads, o => o with
        {
            MaxConnections = 1,
            Protocol = o.Protocol with { Framing = FramingKind.Line },
            Tls = new TlsOptions { Certificate = certificate, HandshakeTimeout = TimeSpan.FromSeconds(30) },
        });
        await using var served = await TestClient.ConnectTlsAsync(server.EndPoint, pinned);
        await served.SendAsync("in\n");
        Assert.Equal("in", await served.ReadLineAsync(Timeout));

        // Clients over the limit that never start their handshake: each holds a refusal slot until its deadline.
        var stallers = new List<TestClient>();
        try
        {
            for (var i = 0; i < TlsRefuser.Slots; i++)
            {
                stallers.Add(await TestClient.ConnectAsync(server.EndPoint));
            }

            Assert.True(await server.WaitForAsync(m => m.Rejected == TlsRefuser.Slots), "the stalled clients should be refused");

            // Every slot is taken: the next refusal is a close at once, so its handshake fails long before the deadline.
            var clock = Stopwatch.StartNew();
            await Assert.ThrowsAnyAsync<Exception>(() => TestClient.ConnectTlsAsync(server.EndPoint, pinned));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the refusal took {clock.Elapsed}");
            Assert.True(await server.WaitForAsync(m => m.Rejected == TlsRefuser.Slots + 1));

            // A staller that goes away frees its slot: the next refused client reads why over TLS.
            await stallers[0].DisposeAsync();
            stallers.RemoveAt(0);
            await using var refused = await ConnectWhenRefusalSlotFreeAsync(server, pinned);
            Assert.Equal("ERROR: server full: 1 connections already open (--max-connections)", await refused.ReadLineAsync(Timeout));
        }
        finally
        {
            foreach (var staller in stallers)
            {
                await staller.DisposeAsync();
            }
        }

        await served.SendAsync("still served\n");
        Assert.Equal("still served", await served.ReadLineAsync(Timeout));
        Assert.Equal(0, server.Metrics.Snapshot().HandshakeFailures);
    }

    /// <summary>The freed slot is given back when the refusal task ends, a moment after the staller's FIN: retry until it is.</summary>
    private static async Task<TestClient> ConnectWhenRefusalSlotFreeAsync(TestServer server, string pinned)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await TestClient.ConnectTlsAsync(server.EndPoint, pinned);
            }
            catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException && deadline.Elapsed < Timeout)
            {
                // Closed without a handshake: the slot was not free yet.
                await Task.Delay(20);
            }
        }
    }
}
