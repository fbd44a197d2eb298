using System.Net;
using Microsoft.Extensions.Logging;
using Stasis.Client.Auth;
using Stasis.Server.Hosting;

namespace Stasis.FunctionalTests.Security;

/// <summary>
/// A signed request accepted before the server restarts (gracefully or by SIGKILL) is still refused as a replay after
/// it: the replay cache is kept in the data directory's journal.
/// </summary>
public sealed class ReplayAfterRestartTests : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "stasis-replay-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly AccessKeyToken _admin = AccessKeyToken.Generate();

    [Fact]
    public async Task ASignedRequestAcceptedBeforeARestart_IsRefusedAfterIt_AndAFreshOneIsServed()
    {
        // The same address both times: the copy must reach the new server exactly as the original reached the old one.
        var listen = $"127.0.0.1:{ServerProcess.FreePort()}";
        var address = new Uri($"http://{listen}/");
        var original = Signed(address, DateTimeOffset.UtcNow);
        var copy = Copy(original);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };

        await using (var first = await StartAsync(listen))
        {
            using var accepted = await http.SendAsync(original);
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        await using var second = await StartAsync(listen);
        using var replayed = await http.SendAsync(copy);
        using var fresh = await http.SendAsync(Signed(address, DateTimeOffset.UtcNow));

        Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
    }

    [Fact]
    public async Task ASignedRequestAcceptedJustBeforeASigkill_IsRefusedByTheNextServer()
    {
        await using var server = new ServerProcess();
        var listen = $"127.0.0.1:{ServerProcess.FreePort()}";
        var address = new Uri($"http://{listen}/");
        server.Launch("--listen", listen, "--require-auth");
        var admin = await AdminKeyFromBannerAsync(server);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        await UntilUpAsync(server, address, admin);
        var original = Signed(address, DateTimeOffset.UtcNow, admin);
        var copy = Copy(original);

        using (var accepted = await http.SendAsync(original))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        await server.KillAsync(); // right after the answer: nothing is flushed or stopped
        server.Launch("--listen", listen, "--require-auth");
        await UntilUpAsync(server, address, admin);
        using var replayed = await http.SendAsync(copy);
        using var fresh = await http.SendAsync(Signed(address, DateTimeOffset.UtcNow, admin));

        Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
    }

    private static async Task<AccessKeyToken> AdminKeyFromBannerAsync(ServerProcess server)
    {
        const string prefix = "admin key created on this first start: ";
        AccessKeyToken? token = null;
        await ServerFixture.Until(() =>
        {
            var line = server.Output.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
            return Task.FromResult(line is not null && AccessKeyToken.TryParse(line[prefix.Length..].Trim(), out token));
        }, "the banner shows the admin key", seconds: 60);
        return token!;
    }

    private static async Task UntilUpAsync(ServerProcess server, Uri address, AccessKeyToken admin)
    {
        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", admin.Value);
        await ServerFixture.Until(async () =>
        {
            Assert.False(server.Process.HasExited, $"the server exited: {string.Join('\n', server.Output)}");
            try
            {
                return (await http.GetAsync("api/v1/status")).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "the server answers", seconds: 60);
    }

    private Task<StasisServer> StartAsync(string listen) => StasisServer.StartAsync(
        new StasisServerOptions { Listen = listen, DataDirectory = _data, RequireAuth = true, AdminKey = _admin.Value },
        configureLogging: l => l.SetMinimumLevel(LogLevel.Warning));

    private HttpRequestMessage Signed(Uri address, DateTimeOffset at) => Signed(address, at, _admin);

    private static HttpRequestMessage Signed(Uri address, DateTimeOffset at, AccessKeyToken key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(address, "api/v1/status"));
        SigningHandler.Sign(request, key.Id, key.SecretHash(), at, []);
        return request;
    }

    private static HttpRequestMessage Copy(HttpRequestMessage request)
    {
        var copy = new HttpRequestMessage(request.Method, request.RequestUri);
        foreach (var (name, values) in request.Headers)
        {
            copy.Headers.TryAddWithoutValidation(name, values);
        }

        return copy;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }

        return Task.CompletedTask;
    }
}
