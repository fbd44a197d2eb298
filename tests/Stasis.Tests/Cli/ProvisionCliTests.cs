using System.Text.Json.Nodes;
using Stasis.Cli;
using Stasis.Cli.Commands;
using Stasis.Cli.Output;
using Stasis.Cli.Parsing;
using Stasis.Client.Model;

namespace Stasis.Tests.Cli;

public sealed class ProvisionCliTests
{
    private const string Policy = """{"name": "p1", "metricType": "ProvisionedConcurrencyUtilization", "metricTarget": 0.6, "minCapacity": 1, "maxCapacity": 4}""";

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    [InlineData("TRUE", true)]
    [InlineData(" False ", false)]
    public void ParseBoolTakesTrueAndFalse(string text, bool expected) =>
        Assert.Equal(expected, ProvisionInputs.ParseBool(text, "--always-allocate-cpu"));

    [Fact]
    public void ParseBoolIsNullWhenNotGiven() => Assert.Null(ProvisionInputs.ParseBool(null, "--always-allocate-cpu"));

    [Theory]
    [InlineData("maybe")]
    [InlineData("1")]
    [InlineData("yes")]
    [InlineData("")]
    public void ParseBoolRejectsAnythingElseAsUsage(string text)
    {
        var e = Assert.Throws<UsageException>(() => ProvisionInputs.ParseBool(text, "--always-allocate-gpu"));
        Assert.Equal(ExitCodes.Usage, e.ExitCode);
        Assert.Equal($"--always-allocate-gpu '{text}' is not a boolean: use true or false", e.Message);
    }

    [Fact]
    public void ListFileMayBeABareArray()
    {
        var list = ProvisionInputs.ParseList($"[{Policy}]", ProvisionInputs.TargetTrackingPolicies, "p.json");

        Assert.Single(list);
        Assert.Equal("p1", list[0]!["name"]!.GetValue<string>());
    }

    [Fact]
    public void ListFileMayBeTheSeedsObjectShape()
    {
        var list = ProvisionInputs.ParseList(
            """{"scheduledActions": [{"name": "a", "target": 2, "scheduleExpression": "cron(0 0 8 * * *)"}, {"name": "b", "target": 0}]}""",
            ProvisionInputs.ScheduledActions,
            "s.json");

        Assert.Equal(["a", "b"], list.Select(a => a!["name"]!.GetValue<string>()));
    }

    [Fact]
    public void ListFileObjectKeyIsFoundInAnyCaseAndNullIsEmpty()
    {
        Assert.Single(ProvisionInputs.ParseList($$"""{"TargetTrackingPolicies": [{{Policy}}]}""", ProvisionInputs.TargetTrackingPolicies, "p.json"));
        Assert.Empty(ProvisionInputs.ParseList("""{"scheduledActions": null}""", ProvisionInputs.ScheduledActions, "s.json"));
    }

    [Fact]
    public void ListFileTakesItsOwnKeyFromAnObjectWithBoth()
    {
        var both = $$"""{"targetTrackingPolicies": [{{Policy}}], "scheduledActions": []}""";

        Assert.Single(ProvisionInputs.ParseList(both, ProvisionInputs.TargetTrackingPolicies, "both.json"));
        Assert.Empty(ProvisionInputs.ParseList(both, ProvisionInputs.ScheduledActions, "both.json"));
    }

    [Fact]
    public void BrokenJsonNamesTheFileAndLine()
    {
        var e = Assert.Throws<CliException>(() => ProvisionInputs.ParseList("[\n  {\"name\": \"a\",\n  oops\n]", ProvisionInputs.ScheduledActions, "actions.json"));

        Assert.Equal(ExitCodes.Failure, e.ExitCode);
        Assert.StartsWith("actions.json:3:", e.Message, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"policies": []}""", "expected a JSON array of targetTrackingPolicies or an object {\"targetTrackingPolicies\": [...]}, found an object with \"policies\"")]
    [InlineData("""{"targetTrackingPolicies": {"name": "p"}}""", "\"targetTrackingPolicies\" must be an array, not an object with \"name\"")]
    [InlineData("[1]", "targetTrackingPolicies[0] must be an object, not a number")]
    [InlineData("\"p\"", "expected a JSON array of targetTrackingPolicies or an object {\"targetTrackingPolicies\": [...]}, found a string")]
    public void WrongShapesSayWhatIsExpected(string json, string message)
    {
        var e = Assert.Throws<CliException>(() => ProvisionInputs.ParseList(json, ProvisionInputs.TargetTrackingPolicies, "p.json"));
        Assert.Equal("p.json: " + message, e.Message);
    }

    [Fact]
    public void MissingFileIsAUsageError()
    {
        var path = Path.Combine(Path.GetTempPath(), "no-such-" + Guid.NewGuid().ToString("N") + ".json");

        var e = Assert.Throws<UsageException>(() => ProvisionInputs.ReadList(path, ProvisionInputs.ScheduledActions));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Null(ProvisionInputs.ReadList(null, ProvisionInputs.ScheduledActions));
    }

    [Fact]
    public void ListShowsWhatSaysWhetherAFunctionIsServedWarm_InUnder120Columns()
    {
        var table = ProvisionViews.List(
        [
            Info("zeta", target: 2, current: 1, frozen: 1, idle: true) with { CurrentError = "exit 1\nboom", AlwaysAllocateCPU = false },
            Info("alpha", target: 1, current: 1) with { TargetTrackingPolicies = [JsonNode.Parse(Policy)] },
        ]);

        Assert.Equal(["FUNCTION", "TARGET", "CURRENT", "FROZEN", "IDLE MODE", "TRACKING/SCHEDULED", "CURRENT ERROR"], table.Headers);
        Assert.Equal(["alpha", "zeta"], table.Column("FUNCTION"));
        Assert.Equal(["1/0", "0/0"], table.Column("TRACKING/SCHEDULED"));
        Assert.Equal(["off", "on"], table.Column("IDLE MODE"));
        Assert.Equal(["-", "exit 1 boom"], table.Column("CURRENT ERROR"));
        var widest = table.Headers.Select((h, i) => table.Rows.Select(r => r[i].Length).Append(h.Length).Max() + 2).Sum();
        Assert.InRange(widest + 40 - "exit 1 boom".Length, 0, 120); // with a current error at its 40 columns (the wide table takes about 250)
    }

    [Fact]
    public void WideShowsTheSeedsColumnsPlusIdleModeAndFrozen()
    {
        var table = ProvisionViews.Wide(
        [
            Info("zeta", target: 2, current: 1, frozen: 1, idle: true) with { CurrentError = "exit 1\nboom", AlwaysAllocateCPU = false },
            Info("alpha", target: 1, current: 1) with { TargetTrackingPolicies = [JsonNode.Parse(Policy)] },
        ]);

        Assert.Equal(
            ["FUNCTION", "QUALIFIER", "RESOURCE", "TARGET", "CURRENT", "SCHEDULED ACTIONS", "TARGET TRACKING POLICIES", "CURRENT ERROR",
             "ALWAYS ALLOCATE CPU", "ALWAYS ALLOCATE GPU", "IDLE MODE", "FROZEN"],
            table.Headers);
        Assert.Equal(["alpha", "zeta"], table.Column("FUNCTION"));
        Assert.Equal(["alpha#LATEST", "zeta#LATEST"], table.Column("RESOURCE"));
        Assert.Equal(["1", "2"], table.Column("TARGET"));
        Assert.Equal(["1", "1"], table.Column("CURRENT"));
        Assert.Equal(["0", "0"], table.Column("SCHEDULED ACTIONS"));
        Assert.Equal(["1", "0"], table.Column("TARGET TRACKING POLICIES"));
        Assert.Equal(["-", "exit 1 boom"], table.Column("CURRENT ERROR"));
        Assert.Equal(["true", "false"], table.Column("ALWAYS ALLOCATE CPU"));
        Assert.Equal(["true", "true"], table.Column("ALWAYS ALLOCATE GPU"));
        Assert.Equal(["off", "on"], table.Column("IDLE MODE"));
        Assert.Equal(["0", "1"], table.Column("FROZEN"));
    }

    [Fact]
    public void PropertiesListEachPolicyByName()
    {
        var props = ProvisionViews.Properties(Info("f", target: 3, current: 2, frozen: 2, idle: true) with
        {
            DefaultTarget = 1,
            AlwaysAllocateGPU = false,
            TargetTrackingPolicies = [JsonNode.Parse(Policy)],
        });

        Assert.Equal("f", props["function"]);
        Assert.Equal("LATEST", props["qualifier"]);
        Assert.Equal("3 (default 1)", props["target"]);
        Assert.Equal("2", props["current"]);
        Assert.Equal("2", props["frozen"]);
        Assert.Equal("on", props["idle mode"]);
        Assert.Equal("true", props["always allocate cpu"]);
        Assert.Equal("false", props["always allocate gpu"]);
        Assert.Equal("0", props["scheduled actions"]);
        Assert.Equal("1", props["target tracking policies"]);
        Assert.Equal("""{"metricType":"ProvisionedConcurrencyUtilization","metricTarget":0.6,"minCapacity":1,"maxCapacity":4}""", props["  p1"]);
        Assert.Equal("-", props["current error"]);
    }

    [Fact]
    public void PropertiesShowAPlainTargetWhenItIsTheDefault() =>
        Assert.Equal("2", ProvisionViews.Properties(Info("f", target: 2, current: 0)).Items.Single(i => i.Key == "target").Value);

    [Fact]
    public void ProgressShowsCurrentTargetFrozenAndTheError()
    {
        Assert.Equal("f: 1/3 ready, 1 frozen", ProvisionViews.Progress(Info("f", target: 3, current: 1, frozen: 1)));
        Assert.Equal("f: 0/1 ready, 0 frozen (last error: no port)", ProvisionViews.Progress(Info("f", target: 1, current: 0) with { CurrentError = "no port" }));
    }

    [Fact]
    public void WaitIsDoneWhenCurrentReachesTheGoal()
    {
        Assert.Equal(ProvisionWait.Verdict.Done, ProvisionWait.Check(Info("f", target: 2, current: 2), draining: false));
        Assert.Equal(ProvisionWait.Verdict.Waiting, ProvisionWait.Check(Info("f", target: 2, current: 1), draining: false));
        // Scaling in: current above target is still moving.
        Assert.Equal(ProvisionWait.Verdict.Waiting, ProvisionWait.Check(Info("f", target: 1, current: 3), draining: false));
        Assert.Equal(ProvisionWait.Verdict.Done, ProvisionWait.Check(Info("f", target: 0, current: 0), draining: true));
        Assert.Equal(ProvisionWait.Verdict.Waiting, ProvisionWait.Check(Info("f", target: 0, current: 1), draining: true));
    }

    [Fact]
    public void WaitIsFailingOnlyWhileAnErrorStandsBelowTarget()
    {
        var failing = Info("f", target: 2, current: 1) with { CurrentError = "exit 1" };

        Assert.Equal(ProvisionWait.Verdict.Failing, ProvisionWait.Check(failing, draining: false));
        Assert.Equal(ProvisionWait.Verdict.Done, ProvisionWait.Check(failing with { Current = 2 }, draining: false));
        Assert.Equal(ProvisionWait.Verdict.Waiting, ProvisionWait.Check(failing with { Target = 0, Current = 1 }, draining: true));
    }

    private static ProvisionInfo Info(string name, int target, int current, int frozen = 0, bool idle = false) => new()
    {
        FunctionName = name,
        Resource = $"{name}#LATEST",
        Target = target,
        DefaultTarget = target,
        Current = current,
        Frozen = frozen,
        IdleMode = idle,
    };
}
