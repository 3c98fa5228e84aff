using System.Text.Json;
using EchoServers.Load.Engine;
using EchoServers.Load.Engine.Tls;
using EchoServers.Load.Reports;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Load.Tls;

/// <summary>What a TLS run adds to the text, JSON and HTML reports, and what a plain run says instead.</summary>
[Collection(nameof(TlsLoadCollection))]
public sealed class TlsReportTests
{
    [Fact]
    public async Task Text_json_and_html_name_the_engine_and_give_the_handshake_percentiles()
    {
        using var files = TestCertificates.Create();
        await using var server = await TlsEchoServer.StartAsync(files.Certificate);
        var result = await LoadRunner.RunAsync(new LoadOptions
        {
            Target = server.EndPoint,
            Connections = 3,
            Duration = TimeSpan.FromMilliseconds(500),
            Warmup = TimeSpan.Zero,
            Start = StartMode.Together,
            Tls = new TlsClientOptions { Insecure = true },
        }, NullProgressSink.Instance, TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        var text = SummaryText.Format(result);
        Assert.Matches(@"(?m)^engine        tls \(SslStream, one task per connection\): TLS 1\.[23], TLS_\w+, certificate not verified \(--insecure\), server name 127\.0\.0\.1", text);
        Assert.Matches(@"(?m)^handshakes    3 in all, 0 failed, [\d.,]+/s measured; p50 \S+  p99 \S+  max \S+; generator cpu \S+/handshake \(connect phase: TCP connect and handshake only, (the first connection left out|every connection \(all opened before the first was seen\))\), [\d.]+ us/msg$", text);

        using var json = JsonDocument.Parse(JsonReport.Serialize(result));
        Assert.Equal("tls", json.RootElement.GetProperty("engine").GetString());
        var tls = json.RootElement.GetProperty("tls");
        Assert.Equal(3, tls.GetProperty("handshakes").GetInt64());
        foreach (var key in new[] { "p50", "p99", "max" })
        {
            Assert.True(tls.GetProperty("handshakeUs").GetProperty(key).GetInt64() > 0, key);
        }

        Assert.True(tls.GetProperty("generatorCpuUsPerHandshake").GetDouble() > 0);
        var html = HtmlReport.Html(result);
        Assert.Contains("engine tls (SslStream, one task per connection)", html, StringComparison.Ordinal);
        Assert.Matches(@"<tr><td>TLS handshake \(TLS 1\.[23], TLS_\w+\): 3 in all, 0 failed</td><td>\S+</td>", html);
        Assert.Contains("| TLS handshake |", HtmlReport.Markdown(result), StringComparison.Ordinal);
        Assert.StartsWith(CsvReport.Header, CsvReport.Format(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plain_run_names_the_epoll_engine_and_has_no_tls_object()
    {
        await using var server = new LoopbackServer(ServerBehaviour.Correct);
        var result = await LoadRunner.RunAsync(new LoadOptions
        {
            Target = server.EndPoint,
            Connections = 2,
            Duration = TimeSpan.FromMilliseconds(300),
            Warmup = TimeSpan.Zero,
            Threads = 1,
        }, NullProgressSink.Instance, TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Contains("\nengine        epoll (raw sockets, 1 I/O thread(s))", SummaryText.Format(result), StringComparison.Ordinal);
        Assert.DoesNotContain("handshakes", SummaryText.Format(result), StringComparison.Ordinal);
        using var json = JsonDocument.Parse(JsonReport.Serialize(result));
        Assert.Equal("epoll", json.RootElement.GetProperty("engine").GetString());
        Assert.False(json.RootElement.TryGetProperty("tls", out _));
    }

    [Fact]
    public void A_saturated_generator_is_named_on_the_engine_line()
    {
        var result = AssertionParserTests.Result(p99: 100, errors: 0, rate: 1000);
        var saturated = result with { Generator = result.Generator with { LikelyBottleneck = true, CpuPercentOfCores = 97, Cores = 2 } };

        Assert.DoesNotContain("bottleneck", SummaryText.EngineText(result), StringComparison.Ordinal);
        Assert.EndsWith("; the generator is likely the bottleneck (cpu 97% of 2 core(s))", SummaryText.EngineText(saturated), StringComparison.Ordinal);
    }
}
