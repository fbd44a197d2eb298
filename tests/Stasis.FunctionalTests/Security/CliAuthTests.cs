using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Stasis.Cli;
using Stasis.Client.Auth;
using Stasis.Client.Model;
using Stasis.FunctionalTests.Cli;
using Stasis.Server.Hosting;
using Stasis.Server.Runtime;

namespace Stasis.FunctionalTests.Security;

/// <summary>
/// The CLI against a real in-process server that requires credentials: keys from <c>STASIS_ACCESS_KEY</c> or the
/// credentials file sign every request; a 401 or 403 says what the server said and how to give the CLI a key.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CliAuthTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stasis-cli-auth-").FullName;
    private readonly AccessKeyToken _admin = AccessKeyToken.Generate();
    private StasisServer _server = null!;

    private string Endpoint => _server.Address.ToString().TrimEnd('/');

    public async Task InitializeAsync()
    {
        _server = await StasisServer.StartAsync(
            new StasisServerOptions { Listen = "127.0.0.1:0", DataDirectory = Path.Combine(_dir, "data"), RequireAuth = true, AdminKey = _admin.Value },
            configureServices: services => services.AddSingleton<IInstanceRuntime>(new EchoRuntime()),
            configureLogging: _ => { });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task WithoutCredentials_PrintsTheServersMessageAndHowToProvideAKey()
    {
        var run = await RunAsync([], "functions");

        Assert.Equal(1, run.Exit);
        Assert.Equal("", run.Out);
        Assert.StartsWith("error: Unauthorized: send an active access key as the header \"Authorization: Bearer KEY_ID.SECRET\"", run.Err, StringComparison.Ordinal);
        Assert.Contains("this server requires an access key and none is set up: set STASIS_ACCESS_KEY=<id>.<secret>", run.Err, StringComparison.Ordinal);
        Assert.Contains("~/.config/stasis/credentials", run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithStasisAccessKey_KeysCanBeCreatedListedAndRevoked()
    {
        var env = new Dictionary<string, string> { [StasisCredentials.AccessKeyVariable] = _admin.Value };

        var created = await RunAsync(env, "keys", "create", "--name", "ci", "--scope", "read", "-o", "json");
        var key = JsonSerializer.Deserialize<AccessKeyInfo>(created.Out, JsonDefaults.Options)!;
        var table = await RunAsync(env, "keys", "create", "--name", "deployer", "--scope", "admin");
        var unscoped = await RunAsync(env, "keys", "create", "--name", "no-scope");
        var list = await RunAsync(env, "keys", "list");
        var revoked = await RunAsync(env, "keys", "revoke", key.Id);
        var listJson = await RunAsync(env, "keys", "ls", "-o", "json");

        Assert.Equal((0, ""), (created.Exit, created.Err));
        Assert.Equal("read", key.Scope);
        Assert.True(AccessKeyToken.TryParse(key.Token, out _));
        Assert.Equal(0, table.Exit);
        Assert.Equal(2, unscoped.Exit);
        Assert.Contains("--scope", unscoped.Err, StringComparison.Ordinal);
        Assert.Contains("scope admin)", table.Out, StringComparison.Ordinal);
        Assert.Contains("The token is shown once: it will not be shown again.", table.Out, StringComparison.Ordinal);
        Assert.Matches(@"access_key = AK[A-Z0-9]{20}\.[A-Za-z0-9_-]{43}", table.Out);
        Assert.Equal(0, list.Exit);
        Assert.Contains("ID  ", list.Out, StringComparison.Ordinal);
        Assert.Contains(key.Id, list.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(key.Token!.Split('.')[1], list.Out, StringComparison.Ordinal);
        Assert.Equal($"revoked {key.Id} (ci, scope read){Environment.NewLine}", revoked.Out);
        var keys = JsonSerializer.Deserialize<AccessKeyInfo[]>(listJson.Out, JsonDefaults.Options)!;
        Assert.False(keys.Single(k => k.Id == key.Id).Active);
        Assert.All(keys, k => Assert.Null(k.Token));
    }

    [Fact]
    public async Task WithACredentialsFileProfile_CommandsWork_AndAFileOthersCanReadIsWarnedAbout()
    {
        var file = Path.Combine(_dir, "credentials");
        await File.WriteAllTextAsync(file, $"[default]\naccess_key = {AccessKeyToken.Generate().Value}\n\n[ops]\naccess_key = {_admin.Value}\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var env = new Dictionary<string, string> { [StasisCredentials.FileVariable] = file };

        var deployed = await DeployAsync(env, "--profile", "ops");
        var wrongProfile = await RunAsync(env, "functions");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var viaVariable = await RunAsync(new Dictionary<string, string>(env) { [StasisCredentials.ProfileVariable] = "ops" }, "functions");

        Assert.Equal((0, ""), (deployed.Exit, deployed.Err));
        Assert.Equal(1, wrongProfile.Exit);
        Assert.Contains("the request was signed with", wrongProfile.Err, StringComparison.Ordinal);
        Assert.Contains($"(from {file} [default])", wrongProfile.Err, StringComparison.Ordinal);
        Assert.Equal(0, viaVariable.Exit);
        Assert.Contains("cli-auth-echo", viaVariable.Out, StringComparison.Ordinal);
        Assert.Equal($"warning: {file} can be read or written by others (mode 0644); run: chmod 600 {file}", viaVariable.Err.Trim());
    }

    [Fact]
    public async Task ReadKey_RemovingAFunctionIs403NamingTheKey_AnInvokeKeyCallsItsFunctionTrigger()
    {
        var admin = new Dictionary<string, string> { [StasisCredentials.AccessKeyVariable] = _admin.Value };
        await DeployAsync(admin);
        var read = JsonSerializer.Deserialize<AccessKeyInfo>((await RunAsync(admin, "keys", "create", "--name", "r", "--scope", "read", "-o", "json")).Out, JsonDefaults.Options)!;
        var invoke = JsonSerializer.Deserialize<AccessKeyInfo>((await RunAsync(admin, "keys", "create", "--name", "i", "--scope", "invoke:cli-auth-echo", "-o", "json")).Out, JsonDefaults.Options)!;

        var remove = await RunAsync(new() { [StasisCredentials.AccessKeyVariable] = read.Token! }, "remove", "cli-auth-echo");
        var invoked = await RunAsync(new() { [StasisCredentials.AccessKeyVariable] = invoke.Token! }, "invoke", "cli-auth-echo", "--data", "signed by the CLI");
        var anonymous = await RunAsync([], "invoke", "cli-auth-echo", "--data", "x");

        Assert.Equal(1, remove.Exit);
        Assert.StartsWith($"error: Forbidden: access key {read.Id} has scope 'read', which allows GET only; DELETE /api/v1/functions/cli-auth-echo needs an admin key.", remove.Err, StringComparison.Ordinal);
        Assert.Contains($"the request was signed with {read.Id} (from STASIS_ACCESS_KEY)", remove.Err, StringComparison.Ordinal);
        Assert.Equal((0, "signed by the CLI"), (invoked.Exit, invoked.Out));
        Assert.Equal(1, anonymous.Exit);
        Assert.StartsWith("error: Unauthorized:", anonymous.Err, StringComparison.Ordinal);
        Assert.Contains("none is set up", anonymous.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMalformedStasisAccessKey_IsAnErrorSayingWhatAKeyLooksLike()
    {
        var run = await RunAsync(new() { [StasisCredentials.AccessKeyVariable] = "AK123.secret" }, "functions");

        Assert.Equal(1, run.Exit);
        Assert.Equal($"error: STASIS_ACCESS_KEY is not an access key; expected {AccessKeyToken.Shape}, as `stasis keys create` prints it.{Environment.NewLine}", run.Err);
    }

    /// <summary>Deploys the echo function with a function-auth trigger from an s.yaml.</summary>
    private async Task<CliRun> DeployAsync(Dictionary<string, string> env, params string[] extra)
    {
        var code = Path.Combine(_dir, "app");
        Directory.CreateDirectory(code);
        var yaml = Path.Combine(_dir, "s.yaml");
        await File.WriteAllTextAsync(yaml, """
            edition: 3.0.0
            resources:
              echo:
                component: fc3
                props:
                  functionName: cli-auth-echo
                  code: ./app
                  customContainerConfig:
                    command: [python3, app.py]
                  triggers:
                    - triggerName: http
                      triggerType: http
                      triggerConfig:
                        authType: function
            """);
        return await RunAsync(env, ["deploy", "-t", yaml, .. extra]);
    }

    /// <summary>Runs the CLI in-process with exactly <paramref name="variables"/> as its environment.</summary>
    private async Task<CliRun> RunAsync(Dictionary<string, string> variables, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var env = new CliEnvironment
        {
            Out = output,
            Error = error,
            GetVariable = name => name == "HOME" ? _dir : variables.GetValueOrDefault(name),
        };
        var exit = await global::Stasis.Cli.Cli.RunAsync([.. args, "--endpoint", Endpoint], env);
        return new CliRun(exit, output.ToString(), error.ToString());
    }
}
