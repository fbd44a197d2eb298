using Stasis.Cli.Parsing;

namespace Stasis.Tests.Cli;

public sealed class InstantsTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("-1h", "2026-03-01T11:00:00Z")]
    [InlineData("-30m", "2026-03-01T11:30:00Z")]
    [InlineData("-1h30m", "2026-03-01T10:30:00Z")]
    [InlineData("now", "2026-03-01T12:00:00Z")]
    [InlineData("2026-02-28T08:00:00Z", "2026-02-28T08:00:00Z")]
    [InlineData("2026-02-28T10:00:00+02:00", "2026-02-28T08:00:00Z")]
    [InlineData("2026-02-28T08:00:00", "2026-02-28T08:00:00Z")]
    [InlineData("2026-02-28", "2026-02-28T00:00:00Z")]
    public void TryParse_IsoNowAndRelative(string text, string expected)
    {
        Assert.True(Instants.TryParse(text, Now, out var value));
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("yesterday")]
    [InlineData("-1x")]
    [InlineData("+1h")]
    public void TryParse_Nonsense_IsRefused(string text) => Assert.False(Instants.TryParse(text, Now, out _));
}
