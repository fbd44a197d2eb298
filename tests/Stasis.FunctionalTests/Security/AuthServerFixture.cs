using System.Net.Http.Headers;
using System.Net.Http.Json;
using Stasis.Client;
using Stasis.Client.Auth;
using Stasis.Client.Model;
using Stasis.Server.Hosting;

namespace Stasis.FunctionalTests.Security;

/// <summary>
/// A real server on loopback that requires credentials (<c>--require-auth</c>), with a known admin key
/// (<c>STASIS_ADMIN_KEY</c>'s way in). <see cref="ServerFixture.Http"/> sends that key as a Bearer token;
/// <see cref="Anonymous"/> sends nothing.
/// </summary>
public sealed class AuthServerFixture : ServerFixture
{
    public AccessKeyToken Admin { get; } = AccessKeyToken.Generate();

    public HttpClient Anonymous { get; private set; } = null!;

    protected override StasisServerOptions Configure(StasisServerOptions options) =>
        options with { RequireAuth = true, AdminKey = Admin.Value };

    protected override void ConfigureHttp(HttpClient http)
    {
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Admin.Value);
        Anonymous = new HttpClient { BaseAddress = Server.Address, Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>A new key with <paramref name="scope"/>, made through the API with the admin key.</summary>
    public async Task<AccessKeyToken> CreateKeyAsync(string scope, string name = "test")
    {
        using var response = await Http.PostAsJsonAsync("api/v1/keys", new CreateAccessKeyRequest { Name = name, Scope = scope }, JsonDefaults.Options);
        var created = await response.Content.ReadFromJsonAsync<AccessKeyInfo>(JsonDefaults.Options);
        Assert.True(AccessKeyToken.TryParse(created?.Token, out var token), $"no token in {(int)response.StatusCode} {created}");
        return token;
    }

    /// <summary>The typed client, signing every request with <paramref name="key"/>.</summary>
    public StasisClient Client(AccessKeyToken key) => new(Server.Address, key);

    /// <summary>A client that sends <paramref name="key"/> as a Bearer token.</summary>
    public HttpClient Bearer(AccessKeyToken key)
    {
        var http = new HttpClient { BaseAddress = Server.Address, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key.Value);
        return http;
    }

    /// <summary>The echo function with one HTTP trigger of <paramref name="authType"/>.</summary>
    public static FunctionSpec EchoWithAuth(string name, string authType) => Echo(name) with
    {
        Triggers = [new TriggerSpec { TriggerName = "http", TriggerType = "http", TriggerConfig = new TriggerConfig { AuthType = authType, Methods = ["GET", "POST"] } }],
    };
}
