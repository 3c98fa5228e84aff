using System.CommandLine;
using EchoServers.Options;
using EchoServers.Protocol.Framing;

namespace EchoServers.Tests.Protocol;

/// <summary>The shared option parsers bound to System.CommandLine: ranges, choices, "off", and the one error line.</summary>
public sealed class ValueParsersTests
{
    private static string[] Errors<T>(ValueOption<T> option, params string[] args)
        where T : struct
    {
        var root = new RootCommand { option };
        return [.. root.Parse(args).Errors.Select(e => e.Message)];
    }

    [Fact]
    public void A_bad_value_is_one_error_naming_the_option_and_the_text()
    {
        var duration = new ValueOption<TimeSpan>("--duration", ValueParsers.PositiveDuration, "Measured time", "10s", "-d");

        Assert.Equal(["--duration: '5x' is not a duration (e.g. 500ms, 10s, 2m)"], Errors(duration, "-d", "5x"));
        Assert.Equal(["--duration: '0s' is not a positive duration (e.g. 500ms, 10s, 2m)"], Errors(duration, "--duration", "0s"));
    }

    [Fact]
    public void Absent_is_the_default_as_typed_and_help_shows_it_as_typed()
    {
        var duration = new ValueOption<TimeSpan>("--duration", ValueParsers.PositiveDuration, "Measured time", "10s");
        var rate = new ValueOption<double>("--rate", ValueParsers.PositiveRate, "Open model");
        var root = new RootCommand { duration, rate };

        var parse = root.Parse([]);
        Assert.Equal(TimeSpan.FromSeconds(10), duration.ValueIn(parse));
        Assert.Null(rate.Get(parse));
        Assert.Equal(0.5, rate.Get(root.Parse(["--rate", "30/m"])));
        Assert.EndsWith("[default: 10s]", duration.Description, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new ValueOption<TimeSpan>("--bad", ValueParsers.Duration, "x", "ten"));
    }

    [Theory]
    [InlineData("5%", true)]
    [InlineData("0.99", true)]
    [InlineData("0%", false)]
    [InlineData("100%", false)]
    [InlineData("150%", false)]
    public void Shares_within_an_open_range(string text, bool ok)
    {
        Assert.Equal(ok, ValueParsers.ShareWithin(0, 1, open: true)(text, out _, out var error));
        Assert.Equal(ok ? string.Empty : $"'{text}' is not a share between 0% and 100% (e.g. 5% or 0.05)", error);
    }

    [Theory]
    [InlineData("LINE", true, FramingKind.Line)]
    [InlineData("raw", true, FramingKind.Raw)]
    [InlineData("1", false, FramingKind.Raw)]
    [InlineData("xml", false, FramingKind.Raw)]
    public void Choices_are_names_not_numbers(string text, bool ok, FramingKind expected)
    {
        Assert.Equal(ok, ValueParsers.Choice<FramingKind>()(text, out var value, out var error));
        Assert.Equal(expected, value);
        Assert.Equal(ok ? string.Empty : $"'{text}' is not one of raw, line, length", error);
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("off", 0)]
    [InlineData("none", 0)]
    [InlineData("30s", 30)]
    public void Off_means_zero(string text, int seconds)
    {
        Assert.True(ValueParsers.OrOff(ValueParsers.Duration)(text, out var value, out var error), error);
        Assert.Equal(TimeSpan.FromSeconds(seconds), value);
    }

    [Theory]
    [InlineData("64KiB", 65536)]
    [InlineData("16MiB", 16 * 1024 * 1024)]
    public void Frame_sizes_parse(string text, int bytes)
    {
        Assert.True(ValueParsers.FrameSize(text, out var value, out var error), error);
        Assert.Equal(bytes, value);
    }

    [Theory]
    [InlineData("0", "'0' is out of range (1 byte to 16MiB)")]
    [InlineData("1GiB", "'1GiB' is out of range (1 byte to 16MiB)")]
    [InlineData("lots", "'lots' is not a size (e.g. 64, 64KiB, 1MiB)")]
    public void Bad_frame_sizes_say_why(string text, string expected)
    {
        Assert.False(ValueParsers.FrameSize(text, out _, out var error));
        Assert.Equal(expected, error);
    }

    [Theory]
    [InlineData("2", true)]
    [InlineData("1.5", true)]
    [InlineData("1", false)]
    [InlineData("x", false)]
    public void Numbers_within_a_range(string text, bool ok)
    {
        Assert.Equal(ok, ValueParsers.Number(1.01, 100)(text, out _, out var error));
        Assert.Equal(ok ? string.Empty : $"'{text}' is not a number from 1.01 to 100", error);
    }
}
