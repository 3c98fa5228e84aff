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
    [InlineData("5", "has no unit")]
    [InlineData("abcms", "'abc'")]
    [InlineData("-5ms", "'-5'")]
    [InlineData("", "empty")]
    [InlineData("5 parsecs", "'5 parsec'")]
    public void Bad_durations_say_what_is_wrong(string text, string expected)
    {
        Assert.False(DurationText.TryParse(text, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("65536", 65536)]
    [InlineData("64KiB", 65536)]
    [InlineData("64k", 65536)]
    [InlineData("1MiB", 1048576)]
    [InlineData("10b", 10)]
    public void Sizes_parse_in_binary_units(string text, long bytes) => Assert.Equal(bytes, ByteSizeText.Parse(text));

    [Theory]
    [InlineData("lots")]
    [InlineData("1.5k")]
    [InlineData("99999999999999999999g")]
    public void Bad_sizes_are_rejected(string text) => Assert.False(ByteSizeText.TryParse(text, out _, out _));

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
