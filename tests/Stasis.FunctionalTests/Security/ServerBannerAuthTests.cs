using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Stasis.Cli;
using Stasis.Cli.Hosting;
using Stasis.Client.Auth;
using Stasis.FunctionalTests.Cli;
using Stasis.Server.Runtime;

namespace Stasis.FunctionalTests.Security;

/// <summary><c>stasis server</c>: the admin key made on a first start is in the banner once; <c>STASIS_ADMIN_KEY</c> replaces it.</summary>
public sealed partial class ServerBannerAuthTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stasis-banner-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task FirstStart_ShowsANewAdminKeyThatWorks_TheNextStartDoesNotShowItAgain()
    {
        var first = await ServeAsync(new Dictionary<string, string>(), async (banner, address) =>
        {
            var token = AdminLine().Match(banner).Groups[1].Value;
            Assert.Contains("This token will not be shown again", banner, StringComparison.Ordinal);
            Assert.Contains("auth: an access key is required on /api and /metrics (--require-auth)", banner, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, await StatusWith(address, token));
            Assert.Equal(HttpStatusCode.Unauthorized, await StatusWith(address, null));
        });
        var second = await ServeAsync(new Dictionary<string, string>(), (banner, _) =>
        {
            Assert.DoesNotMatch(AdminLine(), banner);
            return Task.CompletedTask;
        });

        Assert.Equal((0, 0), (first, second));
    }

    [Fact]
    public async Task StasisAdminKey_IsTheAdminKey_AndNothingIsShown()
    {
        var given = AccessKeyToken.Generate();

        var exit = await ServeAsync(new Dictionary<string, string> { ["STASIS_ADMIN_KEY"] = given.Value }, async (banner, address) =>
        {
            Assert.DoesNotMatch(AdminLine(), banner);
            Assert.DoesNotContain(given.Secret, banner, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, await StatusWith(address, given.Value));
        });

        Assert.Equal(0, exit);
    }

    [Fact]
    public async Task AMalformedStasisAdminKey_StopsTheStartSayingWhatIsExpected()
    {
        var error = new StringWriter();
        var env = new CliEnvironment { Out = new StringWriter(), Error = error, GetVariable = name => name == "STASIS_ADMIN_KEY" ? "let-me-in" : null };

        var exit = await global::Stasis.Cli.Cli.RunAsync(["server", "--listen", "127.0.0.1:0", "--data", Path.Combine(_dir, "data")], env);

        Assert.Equal(1, exit);
        Assert.StartsWith("error: the server did not start: the admin key (STASIS_ADMIN_KEY) is not a well-formed access key", error.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Runs <c>stasis server --require-auth</c> until <paramref name="check"/> has looked at its banner, then stops it.</summary>
    private async Task<int> ServeAsync(Dictionary<string, string> variables, Func<string, string, Task> check)
    {
        var output = new LockedStringWriter();
        var env = new CliEnvironment { Out = output, Error = new LockedStringWriter(), GetVariable = variables.GetValueOrDefault };
        LocalServer.ConfigureServices = services => services.AddSingleton<IInstanceRuntime>(new EchoRuntime());
        using var stop = new CancellationTokenSource();
        var run = global::Stasis.Cli.Cli.RunAsync(["server", "--listen", "127.0.0.1:0", "--data", Path.Combine(_dir, "data"), "--require-auth"], env, stop.Token);
        try
        {
            var banner = await output.WaitForAsync("runtime: ", TimeSpan.FromSeconds(60));
            await check(banner, banner.Split('\n')[0].Split(' ')[3]);
        }
        finally
        {
            await stop.CancelAsync();
        }

        return await run;
    }

    private static async Task<HttpStatusCode> StatusWith(string address, string? token)
    {
        using var http = new HttpClient { BaseAddress = new Uri(address + "/") };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await http.GetAsync("api/v1/status");
        return response.StatusCode;
    }

    [GeneratedRegex(@"admin key created on this first start: (AK[A-Z0-9]{20}\.[A-Za-z0-9_-]{43})")]
    private static partial Regex AdminLine();
}
