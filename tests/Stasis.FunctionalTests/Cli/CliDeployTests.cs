using System.Text.Json;
using Stasis.Client.Model;

namespace Stasis.FunctionalTests.Cli;

/// <summary><c>stasis deploy -t s.yaml</c> against a real server (instances from <see cref="EchoRuntime"/>).</summary>
public sealed class CliDeployTests(CliServerFixture server) : IClassFixture<CliServerFixture>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stasis-cli-deploy-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Template(string functionName, int timeout = 10, string extra = "")
    {
        Directory.CreateDirectory(Path.Combine(_dir, "app"));
        var path = Path.Combine(_dir, "s.yaml");
        File.WriteAllText(path, $"""
            edition: 3.0.0
            name: demo
            resources:
              echo:
                component: fc3
                props:
                  functionName: {functionName}
                  runtime: custom.debian10
                  code: ./app
                  timeout: {timeout}
                  customRuntimeConfig:
                    command: [python3, app.py]
                    port: 9000
            {extra}
                  triggers:
                    - triggerName: http-trigger
                      triggerType: http
                      triggerConfig:
                        methods: [GET, POST]
            """);
        return path;
    }

    [Fact]
    public async Task AFileWithoutAnFc3Resource_SaysWhichResourcesWereSkippedAndWhy()
    {
        var path = Path.Combine(_dir, "other.yaml");
        File.WriteAllText(path, """
            edition: 3.0.0
            name: demo
            resources:
              bucket:
                component: oss
                props: {bucket: b}
            """);

        var run = await server.RunAsync("deploy", "-t", path);

        Assert.Equal(1, run.Exit);
        Assert.Contains($"{path} has no fc3 resources to deploy: resources.bucket (line 4) uses component 'oss', which Stasis does not deploy; skipped", run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeploysThenReportsUnchangedThenUpdated()
    {
        var path = Template("cli-deployed");

        var created = await server.RunAsync("deploy", "-t", path);
        var unchanged = await server.RunAsync("deploy", "--template", path);
        File.WriteAllText(path, File.ReadAllText(path).Replace("timeout: 10", "timeout: 20", StringComparison.Ordinal));
        var updated = await server.RunAsync("deploy", "-t", path, "-o", "json");

        Assert.Equal(0, created.Exit);
        var row = created.Out.Split('\n').Single(l => l.StartsWith("echo ", StringComparison.Ordinal));
        Assert.Contains("cli-deployed", row, StringComparison.Ordinal);
        Assert.Contains("created", row, StringComparison.Ordinal);
        Assert.Contains("http-trigger", row, StringComparison.Ordinal);
        Assert.Contains($"{server.Endpoint}/fn/cli-deployed", row, StringComparison.Ordinal);
        Assert.Contains("unchanged", unchanged.Out, StringComparison.Ordinal);
        Assert.Equal(0, updated.Exit);
        var results = JsonSerializer.Deserialize<DeployResult[]>(updated.Out, JsonDefaults.Options)!;
        Assert.Equal("updated", Assert.Single(results).Outcome);
        Assert.Equal(20, results[0].Function.Spec.Timeout);
        Assert.Equal(Path.Combine(_dir, "app"), results[0].Function.Spec.Code);
    }

    [Fact]
    public async Task WaitsForARunningInstanceToRollOver()
    {
        var path = Template("cli-rolled");
        Assert.Equal(0, (await server.RunAsync("deploy", "-t", path)).Exit);
        Assert.Equal(0, (await server.RunAsync("invoke", "cli-rolled", "--data", "warm me up")).Exit);

        File.WriteAllText(path, File.ReadAllText(path).Replace("timeout: 10", "timeout: 11", StringComparison.Ordinal));
        var updated = await server.RunAsync("deploy", "-t", path, "-o", "json");

        Assert.Equal(0, updated.Exit);
        var function = Assert.Single(JsonSerializer.Deserialize<DeployResult[]>(updated.Out, JsonDefaults.Options)!).Function;
        Assert.Equal(0, function.Instances.Outdated);
        Assert.Equal(0, function.Instances.Starting);
    }

    [Fact]
    public async Task AppliesTheProvisionConfigOfTheTemplate()
    {
        var path = Template("cli-provisioned", extra: """
                  provisionConfig:
                    defaultTarget: 1
                    alwaysAllocateCPU: false
            """);

        var deployed = await server.RunAsync("deploy", "-t", path);
        var provision = await server.RunAsync("provision", "get", "cli-provisioned", "-o", "json");

        Assert.True(deployed.Exit == 0, deployed.Err);
        var info = JsonSerializer.Deserialize<ProvisionInfo>(provision.Out, JsonDefaults.Options)!;
        Assert.Equal(1, info.DefaultTarget);
        Assert.False(info.AlwaysAllocateCPU);
    }

    [Fact]
    public async Task WarningsGoToStderrOnce()
    {
        var path = Template("cli-warned", extra: "      somethingElse: 1");

        var run = await server.RunAsync("deploy", "-t", path, "--no-wait");

        Assert.Equal(0, run.Exit);
        var warnings = run.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(1, warnings.Count(w => w.Contains("somethingElse", StringComparison.Ordinal)));
        Assert.StartsWith("warning: ", warnings.Single(w => w.Contains("somethingElse", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownResourceIsAUsageError()
    {
        var run = await server.RunAsync("deploy", "-t", Template("cli-unknown-resource"), "--resource", "nope");

        Assert.Equal(2, run.Exit);
        Assert.Contains("no resource 'nope'", run.Err, StringComparison.Ordinal);
        Assert.Contains("it has: echo", run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnInvalidTemplateListsEveryProblem()
    {
        var path = Path.Combine(_dir, "bad.yaml");
        File.WriteAllText(path, "edition: 3.0.0\nresources:\n  bad:\n    component: fc3\n    props:\n      functionName: 9bad\n      timeout: -1\n");

        var run = await server.RunAsync("deploy", "-t", path);

        Assert.Equal(1, run.Exit);
        Assert.StartsWith("error: ", run.Err, StringComparison.Ordinal);
        Assert.Contains("bad.yaml:6:", run.Err, StringComparison.Ordinal);
        Assert.Contains("bad.yaml:7:", run.Err, StringComparison.Ordinal);
    }
}
