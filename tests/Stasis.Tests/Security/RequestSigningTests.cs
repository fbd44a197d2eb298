using Stasis.Client.Auth;

namespace Stasis.Tests.Security;

/// <summary>
/// The STASIS-HMAC-SHA256 canonical form. The expected strings and the signature were computed apart from this code,
/// with Python's urllib, hashlib and hmac (docs/security.md has the same client), so a mistake shared by the client
/// and the server would still show here.
/// </summary>
public sealed class RequestSigningTests
{
    private const string Secret = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ";
    private const string Body = """{"name":"demo"}""";
    private const string BodyHash = "d7d234f759ec34fd6298b7e32318614760070aaef9f4e92ced928324b49a0602";

    [Theory]
    [InlineData("", "")]
    [InlineData("?", "")]
    [InlineData("since=1h&a=x%2By&a=1&b&c=caf%C3%A9+ok", "a=1&a=x%2By&b=&c=caf%C3%A9%2Bok&since=1h")]
    [InlineData("?all=true", "all=true")]
    [InlineData("b=2&&a=1&", "a=1&b=2")]
    [InlineData("q=a b/c:d", "q=a%20b%2Fc%3Ad")]
    [InlineData("%7e=%41", "~=A")]
    [InlineData("x=2&x=10", "x=10&x=2")]
    public void CanonicalQuery_DecodesReencodesAsRfc3986AndSortsByNameThenValue(string query, string expected)
    {
        Assert.Equal(expected, RequestSigning.CanonicalQuery(query));
    }

    [Fact]
    public void StringToSign_IsMethodPathQueryHeadersSignedHeadersAndBodyHash()
    {
        var text = StringToSign("put", "/api/v1/functions/demo", "since=1h&a=x%2By&a=1&b&c=caf%C3%A9+ok");

        Assert.Equal(
            "PUT\n/api/v1/functions/demo\na=1&a=x%2By&b=&c=caf%C3%A9%2Bok&since=1h\n" +
            $"host:127.0.0.1:7070\nx-stasis-content-sha256:{BodyHash}\nx-stasis-date:2026-11-25T12:00:00Z\n" +
            $"\nhost;x-stasis-content-sha256;x-stasis-date\n{BodyHash}",
            text);
    }

    [Fact]
    public void Sign_MatchesAnIndependentImplementation()
    {
        var signature = RequestSigning.Sign(AccessKeyToken.HashSecret(Secret), StringToSign("PUT", "/api/v1/functions/demo", "since=1h&a=x%2By&a=1&b&c=caf%C3%A9+ok"));

        Assert.Equal(BodyHash, RequestSigning.HashBody(System.Text.Encoding.UTF8.GetBytes(Body)));
        Assert.Equal("dbab3c1a38143f0aaf132c3a980525edcf76db1a1fb78afedb98663676506513", signature);
    }

    [Fact]
    public void HashBody_OfNothing_IsTheEmptyHash()
    {
        Assert.Equal(RequestSigning.EmptyBodyHash, RequestSigning.HashBody([]));
    }

    [Fact]
    public void SigningHandler_SignsWhatItSends()
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "http://127.0.0.1:7070/api/v1/functions/demo?since=1h&a=x%2By&a=1&b&c=caf%C3%A9+ok");
        var at = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

        SigningHandler.Sign(request, "AKTESTKEY0000000000001", AccessKeyToken.HashSecret(Secret), at, System.Text.Encoding.UTF8.GetBytes(Body));

        Assert.Equal("127.0.0.1:7070", request.Headers.Host);
        Assert.Equal("2026-11-25T12:00:00.0000000Z", request.Headers.GetValues(RequestSigning.DateHeader).Single());
        Assert.Equal(BodyHash, request.Headers.GetValues(RequestSigning.ContentHashHeader).Single());
        // The date differs from the vector's only by its fraction digits, so the signature is recomputed from the same parts.
        var expected = RequestSigning.Sign(AccessKeyToken.HashSecret(Secret), StringToSign("PUT", "/api/v1/functions/demo", "since=1h&a=x%2By&a=1&b&c=caf%C3%A9+ok", "2026-11-25T12:00:00.0000000Z"));
        Assert.Equal($"STASIS-HMAC-SHA256 Credential=AKTESTKEY0000000000001, SignedHeaders=host;x-stasis-content-sha256;x-stasis-date, Signature={expected}",
            request.Headers.GetValues("Authorization").Single());
    }

    [Fact]
    public void TryParseAuthorization_ReadsTheThreeFields()
    {
        var ok = RequestSigning.TryParseAuthorization(
            $"STASIS-HMAC-SHA256 Credential=AKTESTKEY0000000000001,SignedHeaders=host;x-stasis-content-sha256;x-stasis-date;x-extra,  Signature={new string('a', 64)}",
            out var authorization, out var problem);

        Assert.True(ok, problem);
        Assert.Equal("AKTESTKEY0000000000001", authorization!.KeyId);
        Assert.Equal(["host", "x-stasis-content-sha256", "x-stasis-date", "x-extra"], authorization.SignedHeaders);
        Assert.Equal(32, authorization.Signature.Length);
    }

    [Theory]
    [InlineData("STASIS-HMAC-SHA256 Credential=AK1, Signature=00", "needs Credential, SignedHeaders and Signature")]
    [InlineData("STASIS-HMAC-SHA256 Credential=AK1, Credential=AK2, SignedHeaders=host, Signature=00", "once each")]
    [InlineData("STASIS-HMAC-SHA256 Credential=AK1, Nonce=1, SignedHeaders=host, Signature=00", "'Nonce=1' is not one of them")]
    [InlineData("STASIS-HMAC-SHA256 Credential=AK1, SignedHeaders=host;x-stasis-date, Signature=00", "SignedHeaders must list host;x-stasis-content-sha256;x-stasis-date")]
    [InlineData("STASIS-HMAC-SHA256 Credential=AK1, SignedHeaders=host;x-stasis-content-sha256;x-stasis-date, Signature=xyz", "Signature must be the HMAC-SHA256")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AK1", "is not 'STASIS-HMAC-SHA256")]
    public void TryParseAuthorization_SaysWhatIsWrong(string header, string expected)
    {
        Assert.False(RequestSigning.TryParseAuthorization(header, out _, out var problem));
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2026-11-25T12:00:00Z", true)]
    [InlineData("2026-11-25T12:00:00.123Z", true)]
    [InlineData(" 2026-11-25T12:00:00.1234567Z ", true)]
    [InlineData("2026-11-25T12:00:00+01:00", false)]
    [InlineData("2026-11-25 12:00:00Z", false)]
    [InlineData("Wed, 25 Nov 2026 12:00:00 GMT", false)]
    public void TryParseDate_TakesRfc3339Utc(string text, bool parses)
    {
        Assert.Equal(parses, RequestSigning.TryParseDate(text, out var at));
        if (parses)
        {
            Assert.Equal(TimeSpan.Zero, at.Offset);
            Assert.Equal(new DateTime(2026, 11, 25, 12, 0, 0), at.UtcDateTime.AddTicks(-(at.UtcDateTime.Ticks % TimeSpan.TicksPerSecond)));
        }
    }

    private static string StringToSign(string method, string path, string query, string date = "2026-11-25T12:00:00Z") =>
        RequestSigning.StringToSign(method, path, RequestSigning.CanonicalQuery(query),
            [KeyValuePair.Create("host", "127.0.0.1:7070"), KeyValuePair.Create("x-stasis-content-sha256", BodyHash), KeyValuePair.Create("x-stasis-date", date)],
            BodyHash);
}
