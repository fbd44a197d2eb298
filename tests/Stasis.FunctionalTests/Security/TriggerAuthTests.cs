using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Stasis.Client;
using Stasis.Client.Model;

namespace Stasis.FunctionalTests.Security;

/// <summary>
/// HTTP triggers with <c>authType: function</c> on a real server and real function processes: a key with the
/// function's invoke scope (or admin) gets through, others do not, and the credentials never reach the function.
/// </summary>
public sealed class TriggerAuthTests(AuthServerFixture fx) : IClassFixture<AuthServerFixture>
{
    [Fact]
    public async Task AnonymousTrigger_IsOpenWithoutCredentials()
    {
        await fx.DeployAsync(AuthServerFixture.EchoWithAuth("trigger-open", "anonymous"));

        using var response = await fx.Anonymous.PostAsync("fn/trigger-open/invoke", new StringContent("hello"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("hello", (await Echoed(response)).GetProperty("body").GetString());
    }

    [Fact]
    public async Task FunctionTrigger_NeedsAKeyForThatFunction_AndTheFunctionNeverSeesIt()
    {
        await fx.DeployAsync(AuthServerFixture.EchoWithAuth("trigger-closed", "function"));
        var mine = await fx.CreateKeyAsync("invoke:trigger-closed");
        var theirs = await fx.CreateKeyAsync("invoke:trigger-other");
        var read = await fx.CreateKeyAsync("read");

        using var none = await fx.Anonymous.PostAsync("fn/trigger-closed/invoke", new StringContent("x"));
        using var bearer = await fx.Bearer(mine).PostAsync("fn/trigger-closed/invoke?lang=en", new StringContent("by bearer"));
        using var other = await fx.Bearer(theirs).PostAsync("fn/trigger-closed/invoke", new StringContent("x"));
        using var reader = await fx.Bearer(read).PostAsync("fn/trigger-closed/invoke", new StringContent("x"));
        using var admin = await fx.Http.PostAsync("fn/trigger-closed/invoke", new StringContent("by admin"));
        using var client = fx.Client(mine);
        await using var signed = await client.InvokeAsync(new InvokeRequest
        {
            FunctionName = "trigger-closed",
            Path = "/invoke?lang=en&a=1",
            Method = "POST",
            Body = new MemoryStream(Encoding.UTF8.GetBytes("signed body")),
        });

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        var refused = (await none.Content.ReadFromJsonAsync<ErrorBody>(JsonDefaults.Options))!;
        Assert.Equal("Unauthorized", refused.Code);
        Assert.NotNull(refused.RequestId);
        Assert.Contains(none.Headers.WwwAuthenticate, c => c.Scheme == "Bearer");

        Assert.Equal(HttpStatusCode.OK, bearer.StatusCode);
        var echoed = await Echoed(bearer);
        Assert.Equal("by bearer", echoed.GetProperty("body").GetString());
        Assert.Equal("lang=en", echoed.GetProperty("query").GetString());
        Assert.DoesNotContain("authorization", Headers(echoed));

        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        Assert.Equal($"access key {theirs.Id} has scope 'invoke:trigger-other'; invoking 'trigger-closed' needs scope admin or invoke:trigger-closed.",
            (await other.Content.ReadFromJsonAsync<ErrorBody>(JsonDefaults.Options))!.Message);
        Assert.Equal(HttpStatusCode.Forbidden, reader.StatusCode);
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);

        Assert.Equal(200, signed.StatusCode);
        var signedEcho = JsonDocument.Parse(await signed.ReadBodyAsync()).RootElement;
        Assert.Equal("signed body", signedEcho.GetProperty("body").GetString());
        Assert.Equal("lang=en&a=1", signedEcho.GetProperty("query").GetString());
        var forwarded = Headers(signedEcho);
        Assert.DoesNotContain("authorization", forwarded);
        Assert.DoesNotContain("x-stasis-date", forwarded);
        Assert.DoesNotContain("x-stasis-content-sha256", forwarded);
    }

    [Fact]
    public async Task FunctionTrigger_AKeyRevokedIsRefusedAtOnce()
    {
        await fx.DeployAsync(AuthServerFixture.EchoWithAuth("trigger-revoke", "function"));
        var key = await fx.CreateKeyAsync("invoke:trigger-revoke");
        using var http = fx.Bearer(key);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("fn/trigger-revoke/invoke", new StringContent("x"))).StatusCode);

        using (await fx.Http.DeleteAsync($"api/v1/keys/{key.Id}"))
        {
        }

        using var after = await http.PostAsync("fn/trigger-revoke/invoke", new StringContent("x"));
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    private static async Task<JsonElement> Echoed(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private static List<string> Headers(JsonElement echoed) =>
        echoed.GetProperty("headers").EnumerateObject().Select(p => p.Name.ToLowerInvariant()).ToList();
}

/// <summary>On an open loopback server (no --require-auth) the control API stays open, but a function-auth trigger still asks for a key.</summary>
public sealed class OpenServerTriggerAuthTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task FunctionTrigger_StillNeedsAKey_WhichTheOpenApiCanMake()
    {
        await fx.DeployAsync(AuthServerFixture.EchoWithAuth("open-server-closed", "function"));

        using var none = await fx.Http.PostAsync("fn/open-server-closed/invoke", new StringContent("x"));
        using var created = await fx.Http.PostAsJsonAsync("api/v1/keys", new { name = "caller", scope = "invoke:open-server-closed" });
        var token = (await created.Content.ReadFromJsonAsync<AccessKeyInfo>(JsonDefaults.Options))!.Token;
        using var request = new HttpRequestMessage(HttpMethod.Post, "fn/open-server-closed/invoke") { Content = new StringContent("with key") };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var keyed = await fx.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, keyed.StatusCode);
        Assert.False(fx.Server.AuthRequired);
    }
}
