using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Stasis.Client.Auth;
using Stasis.Client.Model;
using Stasis.Server.Hosting;

namespace Stasis.FunctionalTests.Limits;

/// <summary>
/// Behind a load balancer every connection comes from its address: with <c>--trusted-proxy</c> its connections are
/// not held to the per-address cap, and the client address it forwards in X-Forwarded-For is what the cap counts,
/// per request in flight. X-Forwarded-For from anyone else changes nothing. A proxy in front also means the API asks
/// for a key on loopback.
/// </summary>
public sealed class TrustedProxyTests : IAsyncLifetime
{
    private readonly ProxiedServer _fixture = new();

    [Fact]
    public async Task TheProxysConnectionsAreNotCapped_TheForwardedClientIs_AndNobodyElseCanForward()
    {
        var http = _fixture.Http;
        await _fixture.DeployAsync(ServerFixture.Echo("slow", concurrency: 8));
        var status = (await http.GetFromJsonAsync<ServerStatus>("api/v1/status", JsonDefaults.Options))!;
        Assert.Equal(["127.0.0.3/32"], status.Connections!.TrustedProxies);
        Assert.True(_fixture.Server.AuthRequired, _fixture.Server.AuthReason);

        // The proxy (127.0.0.3) holds more connections than the per-address cap of 2, for four clients, each served.
        var port = _fixture.Server.Address.Port;
        var proxyAnswers = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => RawGet(IPAddress.Parse("127.0.0.3"), port, "/fn/slow/sleep?ms=500", $"X-Forwarded-For: 192.0.2.{i}\r\n")));
        Assert.All(proxyAnswers, a => Assert.StartsWith("HTTP/1.1 200 ", a, StringComparison.Ordinal));

        // Anyone else is held to 2, whatever X-Forwarded-For it sends.
        var spoofer = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => RawGet(IPAddress.Parse("127.0.0.4"), port, "/fn/slow/sleep?ms=500", $"X-Forwarded-For: 198.51.100.{i}\r\n")));
        Assert.Equal(2, spoofer.Count(a => a.StartsWith("HTTP/1.1 200 ", StringComparison.Ordinal)));
        Assert.Single(spoofer, a => a.StartsWith("HTTP/1.1 503 ", StringComparison.Ordinal) && a.Contains("limits.maxConnectionsPerAddress", StringComparison.Ordinal));

        // Through the proxy, one client's third request in flight is refused; another client's is served.
        var client = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => RawGet(IPAddress.Parse("127.0.0.3"), port, "/fn/slow/sleep?ms=1500", "X-Forwarded-For: 203.0.113.7, 127.0.0.3\r\n")));
        Assert.Equal(2, client.Count(a => a.StartsWith("HTTP/1.1 200 ", StringComparison.Ordinal)));
        var refused = Assert.Single(client, a => a.StartsWith("HTTP/1.1 503 ", StringComparison.Ordinal));
        Assert.Contains("\"code\":\"TooManyConnections\"", refused, StringComparison.Ordinal);
        Assert.Contains("client 203.0.113.7 ", refused, StringComparison.Ordinal);
        var other = await RawGet(IPAddress.Parse("127.0.0.3"), port, "/fn/slow/sleep?ms=10", "X-Forwarded-For: 203.0.113.8\r\n");
        Assert.StartsWith("HTTP/1.1 200 ", other, StringComparison.Ordinal);

        var after = (await http.GetFromJsonAsync<ServerStatus>("api/v1/status", JsonDefaults.Options))!.Connections!;
        Assert.Equal(2, after.RefusedAddressLimit);
        Assert.Equal(0, after.RefusedServerLimit);
    }

    /// <summary>One GET on a connection of its own from <paramref name="source"/>; the whole answer as text.</summary>
    private static Task<string> RawGet(IPAddress source, int port, string path, string headers = "") =>
        RawHttp.SendAsync(new Uri($"http://127.0.0.1:{port}/"), $"GET {path} HTTP/1.1\r\nHost: localhost\r\n{headers}Connection: close\r\n\r\n", from: source);

    public Task InitializeAsync() => _fixture.InitializeAsync();

    public Task DisposeAsync() => _fixture.DisposeAsync();

    private sealed class ProxiedServer : ServerFixture
    {
        private readonly AccessKeyToken _admin = AccessKeyToken.Generate();

        protected override StasisServerOptions Configure(StasisServerOptions options) => options with
        {
            AdminKey = _admin.Value,
            TrustedProxies = ["127.0.0.3"],
            Limits = options.Limits with { MaxConnectionsPerAddress = 2 },
        };

        protected override void ConfigureHttp(HttpClient http) =>
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _admin.Value);
    }
}
