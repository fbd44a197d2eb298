using Stasis.Client.Auth;

namespace Stasis.Tests.Security;

public sealed class AccessKeyTokenTests
{
    [Fact]
    public void Generate_MakesAnIdAnd32RandomBytesThatParseBack()
    {
        var token = AccessKeyToken.Generate();

        Assert.Matches("^AK[A-Z0-9]{20}$", token.Id);
        Assert.Equal(32, Convert.FromBase64String(token.Secret.Replace('-', '+').Replace('_', '/') + "=").Length);
        Assert.True(AccessKeyToken.TryParse(token.Value, out var parsed));
        Assert.Equal((token.Id, token.Secret), (parsed.Id, parsed.Secret));
        Assert.NotEqual(token.Value, AccessKeyToken.Generate().Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("AKTESTKEY0000000000001")]
    [InlineData("AKTESTKEY0000000000001.short")]
    [InlineData("AKtestkey0000000000001.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ")]
    [InlineData("XXTESTKEY0000000000001.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ")]
    [InlineData("AKTESTKEY0000000000001.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNO+Q")]
    [InlineData("AKTESTKEY0000000000001:abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ")]
    public void TryParse_RefusesWhatIsNotAToken(string text)
    {
        Assert.False(AccessKeyToken.TryParse(text, out _));
    }

    [Fact]
    public void ToString_ShowsTheIdOnly()
    {
        var token = AccessKeyToken.Generate();

        Assert.Equal(token.Id, token.ToString());
        Assert.DoesNotContain(token.Secret, $"{token}", StringComparison.Ordinal);
    }
}
