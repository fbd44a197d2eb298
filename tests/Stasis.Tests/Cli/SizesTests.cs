using Stasis.Cli.Parsing;

namespace Stasis.Tests.Cli;

public sealed class SizesTests
{
    [Theory]
    [InlineData("1048576", 1_048_576)]
    [InlineData("512KB", 512 * 1024)]
    [InlineData("32MB", 32L * 1024 * 1024)]
    [InlineData("32mb", 32L * 1024 * 1024)]
    [InlineData("1GB", 1L << 30)]
    [InlineData("1.5MB", 1_572_864)]
    [InlineData("64K", 65_536)]
    [InlineData("2MiB", 2L << 20)]
    [InlineData("100B", 100)]
    [InlineData("8 MB", 8L << 20)]
    public void Parses(string text, long expected)
    {
        Assert.True(Sizes.TryParse(text, out var bytes));
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("MB")]
    [InlineData("12TB")]
    [InlineData("-1")]
    [InlineData("0.5B")]
    [InlineData("99999999999999999999GB")]
    public void Rejects(string? text)
    {
        Assert.False(Sizes.TryParse(text, out _));
    }

    [Theory]
    [InlineData(32L * 1024 * 1024, "32MB")]
    [InlineData(512 * 1024, "512KB")]
    [InlineData(1000, "1000B")]
    [InlineData(1L << 30, "1GB")]
    public void Formats(long bytes, string text) => Assert.Equal(text, Sizes.Format(bytes));
}
