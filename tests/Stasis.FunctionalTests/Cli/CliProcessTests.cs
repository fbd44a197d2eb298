using System.Text.Json;
using Stasis.Client.Model;

namespace Stasis.FunctionalTests.Cli;

/// <summary>The CLI against a server running real function processes (the echo test function).</summary>
public sealed class CliProcessTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stasis-cli-proc-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<CliRun> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        var output = new LockedStringWriter();
        var error = new LockedStringWriter();
        var exit = await global::Stasis.Cli.Cli.RunAsync([.. args, "--endpoint", fixture.Server.Address.ToString()], output, error, cancellationToken);
        return new CliRun(exit, output.ToString(), error.ToString());
    }

    private string Template(string name, string env = "GREETING: hello")
    {
        var path = Path.Combine(_dir, $"{name}.yaml");
        File.WriteAllText(path, $"""
            edition: 3.0.0
            resources:
              {name}:
                component: fc3
                props:
                  functionName: {name}
                  code: {ServerFixture.EchoDirectory}
                  instanceConcurrency: 2
                  environmentVariables:
                    {env}
                  customContainerConfig:
                    entrypoint: [python3]
                    command: [app.py]
                    port: 9000
                  instanceLifecycleConfig:
                    initializer:
                      handler: init
                      timeout: 10
                    preStop:
                      handler: prestop
                      timeout: 3
                  triggers:
                    - triggerName: http
                      triggerType: http
            """);
        return path;
    }

    [Fact]
    public async Task DeployInvokeRedeployAndLogs()
    {
        var path = Template("cli-proc-echo");

        var deployed = await RunAsync(["deploy", "-t", path]);
        var invoked = await RunAsync(["invoke", "cli-proc-echo", "--data", "hello", "-H", "X-Test: 1", "--path", "/invoke"]);
        File.WriteAllText(path, File.ReadAllText(path).Replace("GREETING: hello", "GREETING: bonjour", StringComparison.Ordinal));
        var redeployed = await RunAsync(["deploy", "-t", path, "-o", "json"]);
        var afterRedeploy = await RunAsync(["invoke", "cli-proc-echo", "-X", "POST"]);
        var logs = await RunAsync(["logs", "cli-proc-echo", "--tail", "100"]);

        Assert.True(deployed.Exit == 0, deployed.Err);
        Assert.Contains("created", deployed.Out, StringComparison.Ordinal);

        Assert.True(invoked.Exit == 0, invoked.Err);
        using (var echo = JsonDocument.Parse(invoked.Out))
        {
            Assert.Equal("hello", echo.RootElement.GetProperty("body").GetString());
            Assert.Equal("/invoke", echo.RootElement.GetProperty("path").GetString());
            Assert.Equal("1", echo.RootElement.GetProperty("headers").GetProperty("x-test").GetString());
            Assert.Equal("hello", echo.RootElement.GetProperty("env").GetProperty("GREETING").GetString());
        }

        Assert.True(redeployed.Exit == 0, redeployed.Err);
        var result = Assert.Single(JsonSerializer.Deserialize<DeployResult[]>(redeployed.Out, JsonDefaults.Options)!);
        Assert.Equal("updated", result.Outcome);
        Assert.Equal(0, result.Function.Instances.Outdated);
        using (var echo = JsonDocument.Parse(afterRedeploy.Out))
        {
            Assert.Equal("bonjour", echo.RootElement.GetProperty("env").GetProperty("GREETING").GetString());
        }

        Assert.Contains("FC Invoke Start", logs.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFunctionThatCannotStartIsAGatewayError()
    {
        Assert.Equal(0, (await RunAsync(["deploy", "-t", Template("cli-proc-broken", "START_MODE: exit")])).Exit);

        var run = await RunAsync(["invoke", "cli-proc-broken", "--data", "x"]);

        Assert.Equal(1, run.Exit);
        Assert.Equal("", run.Out);
        Assert.StartsWith("error: ", run.Err, StringComparison.Ordinal);
        Assert.Contains("weights.bin not found", run.Err, StringComparison.Ordinal);
        Assert.Contains("request id: ", run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FollowingLogsEndsCleanlyOnCancel()
    {
        Assert.Equal(0, (await RunAsync(["deploy", "-t", Template("cli-proc-follow")])).Exit);
        Assert.Equal(0, (await RunAsync(["invoke", "cli-proc-follow"])).Exit);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));

        var run = await RunAsync(["logs", "cli-proc-follow", "-f"], stop.Token);

        Assert.Equal(0, run.Exit);
        Assert.Contains("FC Invoke End", run.Out, StringComparison.Ordinal);
    }
}
