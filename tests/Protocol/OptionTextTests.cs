using EchoServers.Protocol.Text;
using EchoServers.Protocol.Work;

namespace EchoServers.Tests.Protocol;

/// <summary>Parsing of the option values the protocol owns: durations, sizes and work specs, with errors that name the bad part.</summary>
public sealed class OptionTextTests
{
    [Theory]
    [InlineData("50us", 500)]
    [InlineData("5ms", 50_000)]
    [InlineData("1.5s", 15_000_000)]
    [InlineData("2m", 1_200_000_000)]
    [InlineData("300ns", 3)]
    [InlineData("0s", 0)]
    public void Durations_parse_with_their_units(string text, long ticks)
    {
        Assert.True(DurationText.TryParse(text, out var value, out var error), error);
        Assert.Equal(ticks, value.Ticks);
    }

    [Theory]
    [InlineData("5", "'5' is not a duration: it has no unit (ns, us, ms, s, m or h; e.g. 500ms, 10s, 2m)")]
    [InlineData("5x", "'5x' is not a duration (e.g. 500ms, 10s, 2m)")]
    [InlineData("abcms", "'abcms' is not a duration (e.g. 500ms, 10s, 2m)")]
    [InlineData("-5ms", "'-5ms' is not a duration (e.g. 500ms, 10s, 2m)")]
    [InlineData("", "'' is not a duration (e.g. 500ms, 10s, 2m)")]
    [InlineData("5 parsecs", "'5 parsecs' is not a duration (e.g. 500ms, 10s, 2m)")]
    [InlineData("99999999999h", "'99999999999h' is too long a duration")]
    public void Bad_durations_say_what_is_wrong(string text, string expected)
    {
        Assert.False(DurationText.TryParse(text, out _, out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Positive_durations_refuse_zero_with_the_same_examples()
    {
        Assert.True(DurationText.TryParsePositive("1us", out var value, out _));
        Assert.Equal(TimeSpan.FromMicroseconds(1), value);
        Assert.False(DurationText.TryParsePositive("0s", out _, out var error));
        Assert.Equal("'0s' is not a positive duration (e.g. 500ms, 10s, 2m)", error);
    }

    [Theory]
    [InlineData("500", 500)]
    [InlineData("500/s", 500)]
    [InlineData("0.5", 0.5)]
    [InlineData("0.5/s", 0.5)]
    [InlineData("30/m", 0.5)]
    [InlineData("3600/h", 1)]
    [InlineData("0", 0)]
    public void Rates_parse_fractional_and_per_unit(string text, double perSecond)
    {
        Assert.True(RateText.TryParse(text, out var value, out var error), error);
        Assert.Equal(perSecond, value, 9);
    }

    [Theory]
    [InlineData("fast", "'fast' is not a rate (e.g. 500, 0.5/s, 30/m)")]
    [InlineData("-5", "'-5' is not a rate (e.g. 500, 0.5/s, 30/m)")]
    [InlineData("5/d", "'5/d' is not a rate (e.g. 500, 0.5/s, 30/m)")]
    [InlineData("", "'' is not a rate (e.g. 500, 0.5/s, 30/m)")]
    public void Bad_rates_say_what_is_wrong(string text, string expected)
    {
        Assert.False(RateText.TryParse(text, out _, out var error));
        Assert.Equal(expected, error);
        Assert.False(RateText.TryParsePositive("0", out _, out error));
        Assert.Equal("'0' is not a positive rate (e.g. 500, 0.5/s, 30/m)", error);
    }

    [Theory]
    [InlineData("5%", 0.05)]
    [InlineData("0.05", 0.05)]
    [InlineData("150%", 1.5)]
    [InlineData("0", 0)]
    public void Shares_parse_as_percent_or_fraction(string text, double share)
    {
        Assert.True(ShareText.TryParse(text, out var value, out var error), error);
        Assert.Equal(share, value, 9);
    }

    [Theory]
    [InlineData("five")]
    [InlineData("-5%")]
    [InlineData("%")]
    public void Bad_shares_say_what_is_wrong(string text)
    {
        Assert.False(ShareText.TryParse(text, out _, out var error));
        Assert.Equal($"'{text}' is not a share (e.g. 5% or 0.05)", error);
    }

    [Theory]
    [InlineData("50", 50)]
    [InlineData("60_000", 60_000)]
    [InlineData("1", 1)]
    public void Counts_parse_within_their_range(string text, int count)
    {
        Assert.True(CountText.TryParse(text, 1, 100_000, out var value, out var error), error);
        Assert.Equal(count, value);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("100001")]
    [InlineData("ten")]
    [InlineData("1.5")]
    [InlineData("99999999999")]
    public void Bad_counts_name_the_range(string text)
    {
        Assert.False(CountText.TryParse(text, 1, 100_000, out _, out var error));
        Assert.Equal($"'{text}' is not a whole number from 1 to 100000", error);
    }

    [Theory]
    [InlineData("65536", 65536)]
    [InlineData("64KiB", 65536)]
    [InlineData("64k", 65536)]
    [InlineData("1MiB", 1048576)]
    [InlineData("10b", 10)]
    public void Sizes_parse_in_binary_units(string text, long bytes) => Assert.Equal(bytes, ByteSizeText.Parse(text));

    [Theory]
    [InlineData("lots", "'lots' is not a size (e.g. 64, 64KiB, 1MiB)")]
    [InlineData("1.5k", "'1.5k' is not a size (e.g. 64, 64KiB, 1MiB)")]
    [InlineData("", "'' is not a size (e.g. 64, 64KiB, 1MiB)")]
    [InlineData("99999999999g", "'99999999999g' is too large a size")]
    public void Bad_sizes_say_what_is_wrong(string text, string expected)
    {
        Assert.False(ByteSizeText.TryParse(text, out _, out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Work_specs_parse()
    {
        Assert.Equal(new WorkSpec(WorkKind.Cpu, TimeSpan.FromMicroseconds(50)), WorkSpec.Parse("cpu:50us"));
        Assert.Equal(new WorkSpec(WorkKind.Io, TimeSpan.FromMilliseconds(5)), WorkSpec.Parse("IO:5ms"));
        Assert.True(WorkSpec.Parse("none").IsNone);
        Assert.Equal("cpu:50us", WorkSpec.Parse("cpu:50us").ToString());
    }

    [Theory]
    [InlineData("io:abc", "'abc'")]
    [InlineData("disk:5ms", "unknown work kind 'disk'")]
    [InlineData("cpu", "expected cpu:DURATION")]
    [InlineData("cpu:5", "has no unit")]
    public void Bad_work_specs_name_the_bad_part(string text, string expected)
    {
        var ex = Assert.Throws<FormatException>(() => WorkSpec.Parse(text));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }
}
