using System.Text.Json;
using Stasis.Client.Model;

namespace Stasis.FunctionalTests.Cli;

/// <summary>A function's whole life through the CLI: listed, described, invoked, inspected, logged, removed.</summary>
public sealed class CliFunctionLifecycleTests(CliServerFixture server) : IClassFixture<CliServerFixture>
{
    private async Task<string> DeployAsync(string name)
    {
        using var client = server.Client();
        await client.DeployAsync(new FunctionSpec
        {
            FunctionName = name,
            Code = Path.GetTempPath(),
            InstanceConcurrency = 2,
            CustomContainerConfig = new CustomContainerConfig { Command = ["python3", "app.py"], Port = 9000 },
            Triggers = [new TriggerSpec { TriggerName = "http", TriggerType = "http" }],
        });
        return name;
    }

    [Fact]
    public async Task ListsAndDescribesADeployedFunction()
    {
        var name = await DeployAsync("cli-listed");

        var list = await server.RunAsync("functions");
        var info = await server.RunAsync("info", name);
        var json = await server.RunAsync("info", name, "-o", "json");

        Assert.Equal(0, list.Exit);
        var row = list.Out.Split('\n').Single(l => l.StartsWith(name, StringComparison.Ordinal));
        Assert.Contains($"{server.Endpoint}/fn/{name}", row, StringComparison.Ordinal);
        Assert.Equal(0, info.Exit);
        Assert.Contains("python3 app.py", info.Out, StringComparison.Ordinal);
        Assert.Contains("TRIGGER", info.Out, StringComparison.Ordinal);
        var parsed = JsonSerializer.Deserialize<FunctionInfo>(json.Out, JsonDefaults.Options)!;
        Assert.Equal(name, parsed.Spec.FunctionName);
        Assert.Equal(2, parsed.Spec.InstanceConcurrency);
    }

    [Fact]
    public async Task InvokePrintsTheBodyAsIs()
    {
        var name = await DeployAsync("cli-echo");

        var run = await server.RunAsync("invoke", name, "--data", "Nice to meet you", "-H", "Content-Type: text/plain");

        Assert.Equal(0, run.Exit);
        Assert.Equal("Nice to meet you", run.Out);
        Assert.Equal("", run.Err);
    }

    [Fact]
    public async Task InvokeReadsStdinAndDefaultsToGetWithoutABody()
    {
        var name = await DeployAsync("cli-stdin");

        var fromStdin = await server.RunAsync(["invoke", name, "--data", "-", "-v"], stdin: "piped body");
        var get = await server.RunAsync("invoke", name, "-v");

        Assert.Equal("piped body", fromStdin.Out);
        Assert.Contains("< x-echo-method: POST", fromStdin.Err, StringComparison.Ordinal);
        Assert.Contains("< x-fc-request-id: ", fromStdin.Err, StringComparison.Ordinal);
        Assert.Contains($"> POST {server.Endpoint}/fn/{name}/invoke", fromStdin.Err, StringComparison.Ordinal);
        Assert.Contains("< x-echo-method: GET", get.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFunctionsOwnErrorGoesToStdoutAndExits1()
    {
        var name = await DeployAsync("cli-fail");

        var run = await server.RunAsync("invoke", name, "--path", "/fail", "-X", "POST");

        Assert.Equal(1, run.Exit);
        Assert.Equal("model exploded", run.Out);
        Assert.StartsWith("error: HTTP 500", run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InstancesAndLogsShowTheInvocation()
    {
        var name = await DeployAsync("cli-observed");
        Assert.Equal(0, (await server.RunAsync("invoke", name, "--data", "x")).Exit);

        var instances = await server.RunAsync("instances", name);
        var instancesJson = await server.RunAsync("instances", name, "--all", "-o", "json");
        var logs = await server.RunAsync("logs", name, "--tail", "50");

        Assert.Equal(0, instances.Exit);
        Assert.Contains("4242", instances.Out, StringComparison.Ordinal);
        var parsed = JsonSerializer.Deserialize<InstanceInfo[]>(instancesJson.Out, JsonDefaults.Options)!;
        Assert.Contains(parsed, i => i.Completed >= 1);
        Assert.Equal(0, logs.Exit);
        Assert.NotEqual("", logs.Out);
    }

    [Fact]
    public async Task RemoveDeletesTheFunction()
    {
        var name = await DeployAsync("cli-removed");

        var removed = await server.RunAsync("rm", name);
        var after = await server.RunAsync("info", name);

        Assert.Equal(0, removed.Exit);
        Assert.Equal($"removed {name}", removed.Out.TrimEnd());
        Assert.Equal(1, after.Exit);
        Assert.StartsWith("error: FunctionNotFound: ", after.Err, StringComparison.Ordinal);
    }
}
