using Stasis.Cli.Parsing;

namespace Stasis.Tests.Cli;

public sealed class HeaderLinesTests
{
    [Theory]
    [InlineData("Content-Type: text/plain", "Content-Type", "text/plain")]
    [InlineData("X-Id:42", "X-Id", "42")]
    [InlineData("  Authorization :  Bearer a:b:c ", "Authorization", "Bearer a:b:c")]
    [InlineData("X-Empty:", "X-Empty", "")]
    public void ParsesNameAndValue(string line, string name, string value)
    {
        Assert.True(HeaderLines.TryParse(line, out var header, out var error));
        Assert.Null(error);
        Assert.Equal(name, header.Key);
        Assert.Equal(value, header.Value);
    }

    [Theory]
    [InlineData("no colon")]
    [InlineData(": value")]
    [InlineData("Bad Name: value")]
    [InlineData("Bad(Name): value")]
    [InlineData(null)]
    public void RejectsWithAMessage(string? line)
    {
        Assert.False(HeaderLines.TryParse(line, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }
}
