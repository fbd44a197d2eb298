using System.Net;
using System.Net.Http.Json;
using System.Text;
using Stasis.Client;
using Stasis.Client.Auth;
using Stasis.Client.Model;

namespace Stasis.FunctionalTests.Security;

/// <summary>The control API and /metrics of a real server started with --require-auth: who gets in, with what, and for how long.</summary>
public sealed class ControlAuthTests(AuthServerFixture fx) : IClassFixture<AuthServerFixture>
{
    [Theory]
    [InlineData("GET", "api/v1/functions")]
    [InlineData("GET", "api/v1/status")]
    [InlineData("GET", "api/v1/keys")]
    [InlineData("POST", "api/v1/keys")]
    [InlineData("PUT", "api/v1/functions/x")]
    [InlineData("GET", "API/V1/functions")]
    [InlineData("GET", "metrics")]
    [InlineData("GET", "api/v1/no-such-route")]
    [InlineData("GET", "no-such-path")]
    public async Task NoCredentials_Is401WithTheGenericMessageAndAChallenge(string method, string path)
    {
        using var response = await fx.Anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent("{}") });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<ErrorBody>(JsonDefaults.Options))!;
        Assert.Equal("Unauthorized", error.Code);
        Assert.Contains("Authorization: Bearer KEY_ID.SECRET", error.Message, StringComparison.Ordinal);
        Assert.Contains("docs/security.md", error.Message, StringComparison.Ordinal);
        var challenge = response.Headers.WwwAuthenticate.Select(c => c.Scheme).ToList();
        Assert.Contains("Bearer", challenge);
        Assert.Contains("STASIS-HMAC-SHA256", challenge);
    }

    [Theory]
    [InlineData("console/")]
    [InlineData("console/js/api.js")]
    public async Task TheConsolesFiles_StayPublic(string path)
    {
        using var response = await fx.Anonymous.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task BearerAndSignedRequests_BothWork()
    {
        using var bearer = await fx.Http.GetAsync("api/v1/functions");
        using var client = fx.Client(fx.Admin);

        var deployed = await client.DeployAsync(ServerFixture.Echo("auth-signed-deploy"));
        var functions = await client.ListFunctionsAsync();
        using var metrics = await fx.Http.GetAsync("metrics");

        Assert.Equal(HttpStatusCode.OK, bearer.StatusCode);
        Assert.Equal("created", deployed.Outcome);
        Assert.Contains(functions, f => f.Spec.FunctionName == "auth-signed-deploy");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Equal(fx.Admin.Id, client.AccessKeyId);
    }

    [Fact]
    public async Task ReadKey_CanGetTheApiAndMetricsButNotChangeAnythingOrSeeKeys()
    {
        var read = await fx.CreateKeyAsync("read", "dashboard");
        using var http = fx.Bearer(read);
        using var signed = fx.Client(read);

        using var list = await http.GetAsync("api/v1/functions");
        using var metrics = await http.GetAsync("metrics");
        var status = await signed.GetStatusAsync();
        using var put = await http.PutAsJsonAsync("api/v1/functions/auth-read-put", ServerFixture.Echo("auth-read-put"), JsonDefaults.Options);
        var signedPut = await Assert.ThrowsAsync<StasisApiException>(() => signed.DeployAsync(ServerFixture.Echo("auth-read-put")));
        var keys = await Assert.ThrowsAsync<StasisApiException>(() => signed.ListKeysAsync());

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (list.StatusCode, metrics.StatusCode));
        Assert.False(string.IsNullOrEmpty(status.Version));
        Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
        var error = (await put.Content.ReadFromJsonAsync<ErrorBody>(JsonDefaults.Options))!;
        Assert.Equal("Forbidden", error.Code);
        Assert.Equal($"access key {read.Id} has scope 'read', which allows GET only; PUT /api/v1/functions/auth-read-put needs an admin key.", error.Message);
        Assert.Equal((HttpStatusCode.Forbidden, "Forbidden"), (signedPut.StatusCode, signedPut.Code));
        Assert.Equal(HttpStatusCode.Forbidden, keys.StatusCode);
        Assert.Contains("managing access keys", keys.Error.Message, StringComparison.Ordinal);
        var all = await fx.Http.GetFromJsonAsync<FunctionInfo[]>("api/v1/functions", JsonDefaults.Options);
        Assert.DoesNotContain(all!, f => f.Spec.FunctionName == "auth-read-put");
    }

    [Fact]
    public async Task InvokeKey_IsForbiddenTheControlApiAndMetrics()
    {
        var invoke = await fx.CreateKeyAsync("invoke:anything");
        using var http = fx.Bearer(invoke);

        using var api = await http.GetAsync("api/v1/functions");
        using var metrics = await http.GetAsync("metrics");

        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Forbidden), (api.StatusCode, metrics.StatusCode));
        Assert.Contains("may only invoke anything's function-auth triggers", (await api.Content.ReadFromJsonAsync<ErrorBody>(JsonDefaults.Options))!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RevokedKey_IsRefusedOnTheVeryNextRequest()
    {
        var key = await fx.CreateKeyAsync("read", "soon revoked");
        using var http = fx.Bearer(key);
        using var signed = fx.Client(key);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("api/v1/status")).StatusCode);
        await signed.GetStatusAsync();

        using var admin = fx.Client(fx.Admin);
        var revoked = await admin.RevokeKeyAsync(key.Id);
        using var bearerAfter = await http.GetAsync("api/v1/status");
        var signedAfter = await Assert.ThrowsAsync<StasisApiException>(() => signed.GetStatusAsync());

        Assert.False(revoked.Active);
        Assert.NotNull(revoked.RevokedAt);
        Assert.Equal(HttpStatusCode.Unauthorized, bearerAfter.StatusCode);
        Assert.Equal((HttpStatusCode.Unauthorized, "Unauthorized"), (signedAfter.StatusCode, signedAfter.Code));
    }

    [Fact]
    public async Task Keys_AreListedWithoutSecrets_TheTokenIsShownOnlyOnCreation()
    {
        using var created = await fx.Http.PostAsJsonAsync("api/v1/keys", new { name = "grafana", scope = "read" });
        var key = (await created.Content.ReadFromJsonAsync<AccessKeyInfo>(JsonDefaults.Options))!;
        var listed = await fx.Http.GetStringAsync("api/v1/keys");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal($"/api/v1/keys/{key.Id}", created.Headers.Location?.ToString());
        Assert.True(AccessKeyToken.TryParse(key.Token, out var token));
        Assert.Equal(key.Id, token.Id);
        Assert.Contains(key.Id, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(token.Secret, listed, StringComparison.Ordinal);
        Assert.DoesNotContain("\"token\"", listed, StringComparison.Ordinal);
        var info = (await fx.Http.GetFromJsonAsync<AccessKeyInfo[]>("api/v1/keys", JsonDefaults.Options))!.Single(k => k.Id == key.Id);
        Assert.Equal(("grafana", "read", true), (info.Name, info.Scope, info.Active));
    }

    [Theory]
    [InlineData("""{"name":"x","scope":"write"}""", "InvalidScope", "scope 'write' is not one of admin, read or invoke:FUNCTION")]
    [InlineData("""{"name":"x","scope":"invoke:"}""", "InvalidScope", "invoke:FUNCTION")]
    [InlineData("""{"scope":"read"}""", "InvalidKeyName", "name must be 1 to 64 printable characters")]
    [InlineData("""{"name":"x"}""", "InvalidScope", "scope is required: admin (everything), read (GET on the API and /metrics) or invoke:FUNCTION")]
    [InlineData("""not json""", "InvalidJson", "send a JSON object")]
    public async Task CreateKey_WithABadNameOrScope_Is400SayingWhatIsAccepted(string body, string code, string message)
    {
        using var response = await fx.Http.PostAsync("api/v1/keys", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<ErrorBody>(JsonDefaults.Options))!;
        Assert.Equal(code, error.Code);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RevokingTheLastActiveAdminKey_Is409_AndUnknownKeysAre404()
    {
        using var admin = fx.Client(fx.Admin);
        foreach (var other in (await admin.ListKeysAsync()).Where(k => k.Active && k.Scope == "admin" && k.Id != fx.Admin.Id))
        {
            await admin.RevokeKeyAsync(other.Id);
        }

        var last = await Assert.ThrowsAsync<StasisApiException>(() => admin.RevokeKeyAsync(fx.Admin.Id));
        var unknown = await Assert.ThrowsAsync<StasisApiException>(() => admin.RevokeKeyAsync("AKNOSUCHKEY0000000000"));

        Assert.Equal((HttpStatusCode.Conflict, "LastAdminKey"), (last.StatusCode, last.Code));
        Assert.Contains("Create another admin key first", last.Error.Message, StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.NotFound, "KeyNotFound"), (unknown.StatusCode, unknown.Code));
        Assert.Equal(HttpStatusCode.OK, (await fx.Http.GetAsync("api/v1/keys")).StatusCode);
    }

    [Fact]
    public async Task SignedRequest_SentTwiceVerbatim_TheCopyIsRefusedAsAReplay()
    {
        var first = Signed(HttpMethod.Get, "api/v1/status", "", DateTimeOffset.UtcNow);
        var copy = new HttpRequestMessage(HttpMethod.Get, first.RequestUri);
        foreach (var (name, values) in first.Headers)
        {
            copy.Headers.TryAddWithoutValidation(name, values);
        }

        using var accepted = await fx.Anonymous.SendAsync(first);
        using var replayed = await fx.Anonymous.SendAsync(copy);

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
        Assert.Equal("Unauthorized", (await replayed.Content.ReadFromJsonAsync<ErrorBody>(JsonDefaults.Options))!.Code);
    }

    [Fact]
    public async Task SignedRequest_TenMinutesOld_IsRequestTimeTooSkewedWithTheServersTime()
    {
        using var response = await fx.Anonymous.SendAsync(Signed(HttpMethod.Get, "api/v1/status", "", DateTimeOffset.UtcNow.AddMinutes(-10)));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<ErrorBody>(JsonDefaults.Options))!;
        Assert.Equal("RequestTimeTooSkewed", error.Code);
        Assert.Matches(@"behind the server's time \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", error.Message);
    }

    [Fact]
    public async Task SignedRequest_WithABodyOtherThanTheSignedOne_Is401()
    {
        var request = Signed(HttpMethod.Post, "api/v1/keys", """{"name":"signed","scope":"read"}""", DateTimeOffset.UtcNow);
        request.Content = new StringContent("""{"name":"swapped","scope":"admin"}""", Encoding.UTF8, "application/json");

        using var response = await fx.Anonymous.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("does not match the body's SHA-256", (await response.Content.ReadFromJsonAsync<ErrorBody>(JsonDefaults.Options))!.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(await fx.Client(fx.Admin).ListKeysAsync(), k => k.Name == "swapped");
    }

    /// <summary>A request signed with the admin key as the client's handler would sign it, at <paramref name="at"/>.</summary>
    private HttpRequestMessage Signed(HttpMethod method, string path, string body, DateTimeOffset at)
    {
        var request = new HttpRequestMessage(method, new Uri(fx.Server.Address, path));
        if (body.Length > 0)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        SigningHandler.Sign(request, fx.Admin.Id, fx.Admin.SecretHash(), at, Encoding.UTF8.GetBytes(body));
        return request;
    }
}
