using System.Text;
using Microsoft.AspNetCore.Http;
using Stasis.Server.Security;

namespace Stasis.Tests.Security;

/// <summary>Bearer tokens and signatures checked against real stored keys on a fake clock: skew, replay, tampering, revocation.</summary>
public sealed class RequestAuthenticatorTests : IDisposable
{
    private const string Url = "http://127.0.0.1:7070/api/v1/functions/demo?since=1h&all=true";
    private const string Body = """{"functionName":"demo"}""";

    private readonly SecurityHarness _h = new(replayCapacity: 3);

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task Bearer_ValidKey_IsThatKeyAndItsUseIsRecorded()
    {
        var token = _h.NewKey(AccessKeyScope.Read);
        _h.Time.Advance(TimeSpan.FromSeconds(30));

        var result = await _h.AuthenticateAsync(Bearer(token.Value));

        Assert.Equal(token.Id, result.Key?.Id);
        Assert.Equal(_h.Time.GetUtcNow(), result.Key!.LastUsedAt);
    }

    [Fact]
    public async Task Bearer_WrongSecretOrUnknownId_GetTheSameGenericAnswer()
    {
        var token = _h.NewKey(AccessKeyScope.Admin);
        var other = Stasis.Client.Auth.AccessKeyToken.Generate();

        var wrongSecret = await _h.AuthenticateAsync(Bearer($"{token.Id}.{other.Secret}"));
        var unknownId = await _h.AuthenticateAsync(Bearer(other.Value));
        var none = await _h.AuthenticateAsync(new HttpRequestMessage(HttpMethod.Get, Url));

        foreach (var result in new[] { wrongSecret, unknownId, none })
        {
            Assert.Null(result.Key);
            Assert.Equal((401, "Unauthorized", AuthResult.Generic), (result.Status, result.Code, result.Message));
        }
    }

    [Theory]
    [InlineData("Bearer not-a-token", "the Bearer token is not an access key")]
    [InlineData("Basic dXNlcjpwYXNz", "neither Bearer nor STASIS-HMAC-SHA256")]
    [InlineData("STASIS-HMAC-SHA256 Credential=AK1", "needs Credential, SignedHeaders and Signature")]
    public async Task MalformedAuthorization_SaysWhatIsWrong(string header, string expected)
    {
        var message = new HttpRequestMessage(HttpMethod.Get, Url);
        message.Headers.TryAddWithoutValidation("Authorization", header);

        var result = await _h.AuthenticateAsync(message);

        Assert.Equal(401, result.Status);
        Assert.Contains(expected, result.Message, StringComparison.Ordinal);
        Assert.EndsWith(AuthResult.Generic, result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Signed_ValidRequest_IsThatKeyAndLeavesTheBodyReadableFromTheStart()
    {
        var token = _h.NewKey(AccessKeyScope.Admin);
        var context = SecurityHarness.Context(Signed(token), Body);

        var result = await _h.Authenticator.AuthenticateAsync(context);

        Assert.Equal(token.Id, result.Key?.Id);
        Assert.Equal(Body, await new StreamReader(context.Request.Body, Encoding.UTF8).ReadToEndAsync());
    }

    [Theory]
    [InlineData(-300, true)]
    [InlineData(300, true)]
    [InlineData(-301, false)]
    [InlineData(301, false)]
    public async Task Signed_DateMoreThanFiveMinutesFromTheServersClock_IsTooSkewedAndSaysTheServersTime(int offsetSeconds, bool accepted)
    {
        var token = _h.NewKey(AccessKeyScope.Admin);

        var result = await _h.AuthenticateAsync(Signed(token, at: SecurityHarness.Start.AddSeconds(offsetSeconds)), Body);

        if (accepted)
        {
            Assert.NotNull(result.Key);
            return;
        }

        Assert.Null(result.Key);
        Assert.Equal((401, "RequestTimeTooSkewed"), (result.Status, result.Code));
        Assert.Contains("the server's time 2026-11-25T12:00:00Z", result.Message, StringComparison.Ordinal);
        Assert.Contains(offsetSeconds < 0 ? "5m01s behind" : "5m01s ahead of", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Signed_SameRequestTwice_TheSecondIsARefusedReplay()
    {
        var token = _h.NewKey(AccessKeyScope.Admin);
        var first = Signed(token);
        var copy = SecurityHarness.Context(first, Body);

        Assert.NotNull((await _h.Authenticator.AuthenticateAsync(SecurityHarness.Context(first, Body))).Key);
        _h.Time.Advance(TimeSpan.FromMinutes(4));
        var replay = await _h.Authenticator.AuthenticateAsync(copy);

        Assert.Null(replay.Key);
        Assert.Equal((401, "Unauthorized", AuthResult.Generic), (replay.Status, replay.Code, replay.Message));
    }

    [Fact]
    public async Task Signed_ReplayedAfterTheWindow_IsRefusedAsSkewedAndForgottenByTheCache()
    {
        var token = _h.NewKey(AccessKeyScope.Admin);
        var first = Signed(token);
        Assert.NotNull((await _h.AuthenticateAsync(first, Body)).Key);

        _h.Time.Advance(TimeSpan.FromMinutes(6));
        var late = await _h.AuthenticateAsync(first, Body);
        Assert.NotNull((await _h.AuthenticateAsync(Signed(token, at: _h.Time.GetUtcNow()), Body)).Key);

        Assert.Equal("RequestTimeTooSkewed", late.Code);
        Assert.Equal(1, _h.Replays.Count);
    }

    [Fact]
    public async Task Signed_TamperedBody_IsRefusedBecauseItsHashDiffers()
    {
        var token = _h.NewKey(AccessKeyScope.Admin);

        var result = await _h.AuthenticateAsync(Signed(token), """{"functionName":"evil"}""");

        Assert.Null(result.Key);
        Assert.Equal(401, result.Status);
        Assert.Contains("does not match the body's SHA-256", result.Message, StringComparison.Ordinal);
        Assert.Equal(0, _h.Replays.Count);
    }

    [Theory]
    [InlineData("path")]
    [InlineData("query")]
    [InlineData("method")]
    [InlineData("host")]
    [InlineData("claimed body hash")]
    public async Task Signed_AnythingChangedAfterSigning_IsAGenericRefusal(string what)
    {
        var token = _h.NewKey(AccessKeyScope.Admin);
        var signed = Signed(token);
        var changed = new HttpRequestMessage(what == "method" ? HttpMethod.Delete : HttpMethod.Put, what switch
        {
            "path" => "http://127.0.0.1:7070/api/v1/functions/other?since=1h&all=true",
            "query" => "http://127.0.0.1:7070/api/v1/functions/demo?since=24h&all=true",
            _ => Url,
        });
        foreach (var (name, values) in signed.Headers)
        {
            changed.Headers.TryAddWithoutValidation(name, values);
        }

        var body = Body;
        if (what == "host")
        {
            changed.Headers.Host = "stasis.example:7070";
        }
        else if (what == "claimed body hash")
        {
            body = "{}";
            changed.Headers.Remove("x-stasis-content-sha256");
            changed.Headers.TryAddWithoutValidation("x-stasis-content-sha256", Stasis.Client.Auth.RequestSigning.HashBody("{}"u8));
        }

        var result = await _h.AuthenticateAsync(changed, body);

        Assert.Null(result.Key);
        Assert.Equal((401, "Unauthorized", AuthResult.Generic), (result.Status, result.Code, result.Message));
    }

    [Fact]
    public async Task Signed_QueryInAnotherOrder_IsTheSameCanonicalQuery()
    {
        var token = _h.NewKey(AccessKeyScope.Admin);
        var signed = Signed(token);
        var reordered = new HttpRequestMessage(HttpMethod.Put, "http://127.0.0.1:7070/api/v1/functions/demo?all=true&since=1h");
        foreach (var (name, values) in signed.Headers)
        {
            reordered.Headers.TryAddWithoutValidation(name, values);
        }

        Assert.NotNull((await _h.AuthenticateAsync(reordered, Body)).Key);
    }

    [Fact]
    public async Task RevokedKey_IsRefusedOnTheVeryNextRequest_BearerAndSigned()
    {
        var token = _h.NewKey(AccessKeyScope.Read);
        _h.NewKey(AccessKeyScope.Admin);
        Assert.NotNull((await _h.AuthenticateAsync(Bearer(token.Value))).Key);

        Assert.Equal(RevokeOutcome.Revoked, _h.Keys.Revoke(token.Id, out _));

        Assert.Equal(AuthResult.Generic, (await _h.AuthenticateAsync(Bearer(token.Value))).Message);
        Assert.Equal(AuthResult.Generic, (await _h.AuthenticateAsync(Signed(token), Body)).Message);
    }

    [Fact]
    public async Task ReplayCacheFull_SignedRequestsWaitWhileBearerStillWorks()
    {
        var token = _h.NewKey(AccessKeyScope.Admin);
        for (var i = 0; i < 3; i++)
        {
            Assert.NotNull((await _h.AuthenticateAsync(Signed(token, at: SecurityHarness.Start.AddSeconds(i * 10)), Body)).Key);
        }

        var refused = await _h.AuthenticateAsync(Signed(token, at: SecurityHarness.Start.AddSeconds(40)), Body);

        Assert.Equal((429, "TooManySignedRequests"), (refused.Status, refused.Code));
        Assert.Equal(TimeSpan.FromMinutes(5), refused.RetryAfter); // the oldest signature is forgotten when its date leaves the window
        Assert.NotNull((await _h.AuthenticateAsync(Bearer(token.Value))).Key);
    }

    private static HttpRequestMessage Bearer(string token)
    {
        var message = new HttpRequestMessage(HttpMethod.Get, Url);
        message.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        return message;
    }

    private static HttpRequestMessage Signed(Stasis.Client.Auth.AccessKeyToken token, DateTimeOffset? at = null) =>
        SecurityHarness.Signed(token, HttpMethod.Put, Url, Body, at ?? SecurityHarness.Start);
}
