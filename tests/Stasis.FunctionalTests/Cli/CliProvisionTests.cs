using System.Text.Json;
using System.Text.RegularExpressions;
using Stasis.Client.Model;

namespace Stasis.FunctionalTests.Cli;

/// <summary><c>stasis provision put|list|get|remove</c> against a real server with in-memory instances.</summary>
public sealed class CliProvisionTests(CliServerFixture server) : IClassFixture<CliServerFixture>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("stasis-provision-cli-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private async Task<string> DeployAsync(string name)
    {
        using var client = server.Client();
        await client.DeployAsync(new FunctionSpec
        {
            FunctionName = name,
            Code = Path.GetTempPath(),
            CustomContainerConfig = new CustomContainerConfig { Command = ["python3", "app.py"], Port = 9000 },
        });
        return name;
    }

    /// <summary>The value of a key/value view's line, e.g. <c>current  2</c>.</summary>
    private static string Property(string output, string key) =>
        Regex.Match(output, $@"^{Regex.Escape(key)}  +(\S.*?)\s*$", RegexOptions.Multiline).Groups[1].Value;

    private string File(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task PutWaitsForTheInstancesThenListGetAndRemoveShowThem()
    {
        var name = await DeployAsync("prov-cycle");

        var put = await server.RunAsync("provision", "put", name, "--target", "2");
        var list = await server.RunAsync("provision", "list");
        var wide = await server.RunAsync("provision", "list", "--wide");
        var get = await server.RunAsync("provision", "get", name, "-o", "json");
        var remove = await server.RunAsync("provision", "remove", name, "-o", "json");
        var after = await server.RunAsync("provision", "list", "-o", "json");

        Assert.True(put.Exit == 0, put.Err);
        // Off a terminal the wait is plain lines on stderr (none when the instances were ready at once).
        Assert.True(put.Err.Length == 0 || put.Err.StartsWith("waiting up to 5m: provisioning prov-cycle: ", StringComparison.Ordinal), put.Err);
        Assert.Equal("2", Property(put.Out, "current"));
        Assert.Equal("0", Property(put.Out, "frozen"));

        Assert.Equal(0, list.Exit);
        Assert.Contains("IDLE MODE", list.Out, StringComparison.Ordinal);
        var row = list.Out.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        // function, target, current, frozen, idle mode, tracking/scheduled, error
        Assert.Equal([name, "2", "2", "0", "off", "0/0", "-"], row.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(0, wide.Exit);
        Assert.Contains("ALWAYS ALLOCATE CPU", wide.Out, StringComparison.Ordinal);
        var wideRow = wide.Out.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        // function, qualifier, resource, target, current, scheduled actions, policies, error, cpu, gpu, idle mode, frozen
        Assert.Equal([name, "LATEST", name + "#LATEST", "2", "2", "0", "0", "-", "true", "true", "off", "0"], wideRow.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        Assert.Equal(0, get.Exit);
        var info = JsonSerializer.Deserialize<ProvisionInfo>(get.Out, JsonDefaults.Options)!;
        Assert.Equal((2, 2, 2), (info.Target, info.DefaultTarget, info.Current));

        Assert.True(remove.Exit == 0, remove.Err);
        var removed = JsonSerializer.Deserialize<ProvisionInfo>(remove.Out, JsonDefaults.Options)!;
        Assert.Equal((0, 0), (removed.Target, removed.Current));
        Assert.DoesNotContain(JsonSerializer.Deserialize<ProvisionInfo[]>(after.Out, JsonDefaults.Options)!, p => p.FunctionName == name);
    }

    [Fact]
    public async Task PutReadsPolicyFilesInBothShapesAndSwitchesIdleMode()
    {
        var name = await DeployAsync("prov-idle");
        var policies = File("policies.json", """
            [{"name": "busy", "metricType": "ProvisionedConcurrencyUtilization", "metricTarget": 0.6, "minCapacity": 1, "maxCapacity": 1}]
            """);
        var actions = File("actions.json", """
            {"scheduledActions": [{"name": "night", "target": 1, "scheduleExpression": "cron(0 0 22 * * *)", "timeZone": "UTC"}]}
            """);

        var put = await server.RunAsync(
            "provision", "put", name, "--default-target", "1", "--always-allocate-cpu", "false", "--always-allocate-gpu", "true",
            "--targetTrackingPolicies", policies, "--scheduledActions", actions, "-o", "json");
        var get = await server.RunAsync("provision", "get", name, "--qualifier", "LATEST");

        Assert.True(put.Exit == 0, put.Err);
        var info = JsonSerializer.Deserialize<ProvisionInfo>(put.Out, JsonDefaults.Options)!;
        Assert.Equal(1, info.Current);
        Assert.True(info.IdleMode);
        Assert.False(info.AlwaysAllocateCPU);
        Assert.Equal("busy", info.TargetTrackingPolicies.Single()!["name"]!.GetValue<string>());
        Assert.Equal("night", info.ScheduledActions.Single()!["name"]!.GetValue<string>());

        Assert.Equal(0, get.Exit);
        Assert.Contains("idle mode", get.Out, StringComparison.Ordinal);
        Assert.Contains("night", get.Out, StringComparison.Ordinal);
        Assert.Contains("cron(0 0 22 * * *)", get.Out, StringComparison.Ordinal);

        var remove = await server.RunAsync("provision", "remove", name);
        Assert.True(remove.Exit == 0, remove.Err);
    }

    /// <summary>The seed's §9 step 3 and 4, as written (with ./stasis for s), and the same policy in force today.</summary>
    [Fact]
    public async Task SeedStepThreeAndFour_PolicyOutsideItsWindowKeepsTarget1_InsideItRaisesToMinCapacity()
    {
        var name = await DeployAsync("prov-seed");
        var seedFile = File("provision.json", """
            {"targetTrackingPolicies": [{"name": "scaling-policy-demo",
              "startTime": "2024-07-01T16:00:00.000Z", "endTime": "2024-07-30T16:00:00.000Z",
              "metricType": "ProvisionedConcurrencyUtilization", "metricTarget": 0.3,
              "minCapacity": 2, "maxCapacity": 30}]}
            """);
        var now = DateTimeOffset.UtcNow;
        var current = File("provision-now.json", System.IO.File.ReadAllText(seedFile)
            .Replace("2024-07-01T16:00:00.000Z", now.AddDays(-1).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("2024-07-30T16:00:00.000Z", now.AddDays(29).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));

        var seed = await server.RunAsync("provision", "put", name, "--target", "1", "--targetTrackingPolicies", seedFile, "--qualifier", "LATEST");
        var seedList = await server.RunAsync("provision", "list");
        var inForce = await server.RunAsync("provision", "put", name, "--target", "1", "--targetTrackingPolicies", current, "--qualifier", "LATEST", "-o", "json");
        var history = await server.RunAsync("provision", "get", name, "--history");
        var release = await server.RunAsync("provision", "put", name, "--target", "0", "--qualifier", "LATEST");
        var afterRelease = await server.RunAsync("provision", "list");

        Assert.True(seed.Exit == 0, seed.Err);
        var row = seedList.Out.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["1", "1"], row[1..3]); // target = current: allocated
        Assert.Equal("1/0", row[5]); // and the policy is deployed (outside its window)
        var info = JsonSerializer.Deserialize<ProvisionInfo>(inForce.Out, JsonDefaults.Options)!;
        Assert.Equal(2, info.Target); // minCapacity 2 of the policy in force
        Assert.Equal(2, info.Current);
        Assert.Equal(1, info.DefaultTarget);
        Assert.Contains("scaling-policy-demo", info.Reason, StringComparison.Ordinal);
        Assert.Contains("1 → 2", history.Out, StringComparison.Ordinal);
        Assert.True(release.Exit == 0, release.Err);
        Assert.DoesNotContain(name, afterRelease.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoWaitAnswersAtOnceAndGetShowsANeverProvisionedFunction()
    {
        var name = await DeployAsync("prov-nowait");

        var fresh = await server.RunAsync("provision", "get", name);
        var put = await server.RunAsync("provision", "put", name, "--target", "1", "--no-wait", "-o", "json");
        var remove = await server.RunAsync("provision", "remove", name, "--no-wait");

        Assert.Equal(0, fresh.Exit);
        Assert.Equal("0", Property(fresh.Out, "target"));
        Assert.Equal("-", Property(fresh.Out, "current error"));
        Assert.Equal(0, put.Exit);
        Assert.Equal("", put.Err);
        Assert.Equal(1, JsonSerializer.Deserialize<ProvisionInfo>(put.Out, JsonDefaults.Options)!.Target);
        Assert.Equal(0, remove.Exit);
        Assert.Equal("", remove.Err);
    }

    [Theory]
    [InlineData("put", "no-such-function", "--target", "1")]
    [InlineData("get", "no-such-function")]
    [InlineData("remove", "no-such-function")]
    public async Task UnknownFunctionIsFunctionNotFound(params string[] args)
    {
        var run = await server.RunAsync(["provision", .. args]);

        Assert.Equal(1, run.Exit);
        Assert.Equal("", run.Out);
        Assert.StartsWith("error: FunctionNotFound: ", run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TargetAboveTheLimitIsInvalidProvisionConfig()
    {
        var name = await DeployAsync("prov-limit");

        var run = await server.RunAsync("provision", "put", name, "--target", "10001");

        Assert.Equal(1, run.Exit);
        Assert.StartsWith("error: InvalidProvisionConfig: ", run.Err, StringComparison.Ordinal);
        Assert.Contains("10001", run.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("put", "--target", "1")]
    [InlineData("get")]
    [InlineData("remove")]
    public async Task OtherQualifiersAreQualifierNotFound(params string[] args)
    {
        var name = await DeployAsync("prov-qualifier");

        var run = await server.RunAsync(["provision", args[0], name, .. args[1..], "--qualifier", "prod"]);

        Assert.Equal(1, run.Exit);
        Assert.StartsWith("error: QualifierNotFound: ", run.Err, StringComparison.Ordinal);
        Assert.Contains("'prod'", run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABooleanOtherThanTrueOrFalseIsAUsageError()
    {
        var name = await DeployAsync("prov-bool");

        var run = await server.RunAsync("provision", "put", name, "--always-allocate-cpu", "maybe");

        Assert.Equal(2, run.Exit);
        Assert.Equal("", run.Out);
        Assert.StartsWith("error: --always-allocate-cpu 'maybe' is not a boolean: use true or false", run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutWithNothingToSetIsAUsageError()
    {
        var run = await server.RunAsync("provision", "put", "prov-empty");

        Assert.Equal(2, run.Exit);
        Assert.StartsWith("error: nothing to set", run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABrokenJsonFileIsNamedWithItsLine()
    {
        var name = await DeployAsync("prov-badjson");
        var path = File("broken.json", "{\"targetTrackingPolicies\": [\n  {\"name\": \"p\",}\n  nope\n]}");

        var run = await server.RunAsync("provision", "put", name, "--targetTrackingPolicies", path);

        Assert.Equal(1, run.Exit);
        Assert.StartsWith($"error: {path}:3:", run.Err, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", run.Err, StringComparison.Ordinal);
        using var client = server.Client();
        Assert.Equal(0, (await client.GetProvisionAsync(name)).Target);
    }
}

/// <summary><c>provision list</c> on a server where nothing is provisioned (its own server: the other tests provision).</summary>
public sealed class CliProvisionEmptyTests(CliServerFixture server) : IClassFixture<CliServerFixture>
{
    [Fact]
    public async Task ListOnAServerWithoutProvisionsSaysSo()
    {
        var table = await server.RunAsync("provision", "list");
        var json = await server.RunAsync("provision", "ls", "-o", "json");

        Assert.Equal(0, table.Exit);
        Assert.Equal("no provisioned functions", table.Out.Trim());
        Assert.Equal(0, json.Exit);
        Assert.Empty(JsonSerializer.Deserialize<ProvisionInfo[]>(json.Out, JsonDefaults.Options)!);
    }
}
