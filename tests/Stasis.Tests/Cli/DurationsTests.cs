using Stasis.Cli.Parsing;

namespace Stasis.Tests.Cli;

public sealed class DurationsTests
{
    [Theory]
    [InlineData("300ms", 300)]
    [InlineData("30s", 30_000)]
    [InlineData("5m", 300_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("45", 45_000)]
    [InlineData(" 2M ", 120_000)]
    [InlineData("0", 0)]
    public void Parses(string text, long expectedMs)
    {
        Assert.True(Durations.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), value);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("5x")]
    [InlineData("m5")]
    [InlineData("-5s")]
    [InlineData("5 s s")]
    [InlineData("1.2.3s")]
    [InlineData("s")]
    public void Rejects(string? text)
    {
        Assert.False(Durations.TryParse(text, out _));
    }

    [Theory]
    [InlineData(300, "300ms")]
    [InlineData(30_000, "30s")]
    [InlineData(1_500, "1.5s")]
    [InlineData(300_000, "5m")]
    [InlineData(5_400_000, "1h30m")]
    [InlineData(90_000, "1m30s")]
    public void FormatsWhatItParses(long ms, string text)
    {
        Assert.Equal(text, Durations.Format(TimeSpan.FromMilliseconds(ms)));
        Assert.True(Durations.TryParse(text, out var back));
        Assert.Equal(TimeSpan.FromMilliseconds(ms), back);
    }
}
