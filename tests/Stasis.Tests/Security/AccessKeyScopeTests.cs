using Stasis.Server.Security;

namespace Stasis.Tests.Security;

public sealed class AccessKeyScopeTests
{
    [Theory]
    [InlineData("admin", true)]
    [InlineData("read", true)]
    [InlineData("invoke:text-classifier", true)]
    [InlineData("invoke:", false)]
    [InlineData("invoke:9bad", false)]
    [InlineData("Admin", false)]
    [InlineData("write", false)]
    [InlineData(null, false)]
    public void TryParse_KnowsAdminReadAndInvokeOfAValidFunctionName(string? text, bool valid)
    {
        Assert.Equal(valid, AccessKeyScope.TryParse(text, out var scope, out var problem));
        if (valid)
        {
            Assert.Equal(text, scope!.Text);
        }
        else
        {
            Assert.Contains("admin, read or invoke:FUNCTION", problem, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("admin", "PUT", false, true)]
    [InlineData("admin", "DELETE", true, true)]
    [InlineData("read", "GET", false, true)]
    [InlineData("read", "HEAD", false, true)]
    [InlineData("read", "PUT", false, false)]
    [InlineData("read", "GET", true, false)]
    [InlineData("invoke:demo", "GET", false, false)]
    public void MayCall_AdminEverythingReadGetsOnlyInvokeNothing(string scope, string method, bool adminOnly, bool allowed)
    {
        Assert.True(AccessKeyScope.TryParse(scope, out var parsed, out _));

        Assert.Equal(allowed, parsed.MayCall(method, adminOnly));
    }

    [Fact]
    public void MayInvoke_AdminAnyFunctionInvokeItsOwnReadNone()
    {
        Assert.True(AccessKeyScope.Admin.MayInvoke("demo"));
        Assert.True(AccessKeyScope.Invoke("demo").MayInvoke("demo"));
        Assert.False(AccessKeyScope.Invoke("demo").MayInvoke("demo2"));
        Assert.False(AccessKeyScope.Read.MayInvoke("demo"));
    }
}
