using System.Text.Json.Nodes;
using Stasis.Cli;
using Stasis.Cli.Deploying;
using Stasis.Cli.Simulating;
using Stasis.Client.Model;
using Stasis.Server.Simulation;

namespace Stasis.Tests.Cli.Simulating;

/// <summary>How a trace's functions meet the s.yaml's, and the provision config each one gets.</summary>
public sealed class SimulationFunctionsTests
{
    private const string SeedPolicy = """
        {"targetTrackingPolicies": [{"name": "scaling-policy-demo",
          "startTime": "2024-07-01T16:00:00.000Z", "endTime": "2024-07-30T16:00:00.000Z",
          "metricType": "ProvisionedConcurrencyUtilization", "metricTarget": 0.3,
          "minCapacity": 2, "maxCapacity": 30}]}
        """;

    private static Template TemplateOf(params FunctionSpec[] specs) =>
        new("s.yaml", specs.Select(s => new TemplateResource(s.FunctionName, s, [])).ToList(), []);

    private static FunctionSpec Spec(string name, int concurrency = 1, JsonObject? provision = null) =>
        new() { FunctionName = name, InstanceConcurrency = concurrency, ProvisionConfig = provision };

    [Fact]
    public void NoTemplate_EveryTraceFunctionGetsTheDefaults()
    {
        var plan = SimulationFunctions.Build(null, null, ["a", "b"], true, null, null);

        Assert.Equal(["a", "b"], plan.Functions.Select(f => f.Spec.FunctionName));
        Assert.All(plan.Functions, f => Assert.Equal((1, 10, 512, null), (f.Spec.InstanceConcurrency, f.Spec.EffectiveMaxInstances, f.Spec.MemorySize, f.Spec.GpuConfig)));
        Assert.All(plan.Functions, f => Assert.Null(f.Provision));
        Assert.Null(plan.Remap);
    }

    [Fact]
    public void OneFunctionTemplate_OneFunctionTrace_TakesTheTemplatesName()
    {
        var plan = SimulationFunctions.Build(TemplateOf(Spec("llm", 4)), null, ["AzureLLMInferenceTrace_code"], false, null, null);

        var function = Assert.Single(plan.Functions);
        Assert.Equal("llm", function.Spec.FunctionName);
        Assert.Equal(4, function.Spec.InstanceConcurrency);
    }

    [Fact]
    public void OneFunctionTemplate_ManyTraceFunctions_EachRunsWithItsSpecUnderItsOwnName()
    {
        var plan = SimulationFunctions.Build(TemplateOf(Spec("fn", 2)), null, ["x/1", "y/2", "z/3"], true, null, null);

        Assert.Equal(["x/1", "y/2", "z/3"], plan.Functions.Select(f => f.Spec.FunctionName));
        Assert.All(plan.Functions, f => Assert.Equal(2, f.Spec.InstanceConcurrency));
        Assert.Null(plan.Remap);
    }

    [Fact]
    public void SeveralFunctions_MatchByName_AllRun_RequestsRemapped()
    {
        var plan = SimulationFunctions.Build(TemplateOf(Spec("a"), Spec("b"), Spec("c")), null, ["c", "a"], true, null, null);

        Assert.Equal(["a", "b", "c"], plan.Functions.Select(f => f.Spec.FunctionName));
        Assert.Equal([2, 0], plan.Remap!);
        Assert.Equal(
            [new SimulatedRequest(TimeSpan.Zero, 2, 1), new SimulatedRequest(TimeSpan.FromSeconds(1), 0, 1)],
            SimulationFunctions.Apply([new(TimeSpan.Zero, 0, 1), new(TimeSpan.FromSeconds(1), 1, 1)], plan.Remap));
    }

    [Fact]
    public void SeveralFunctions_UnknownTraceFunction_IsAnErrorNamingBoth()
    {
        var e = Assert.Throws<UsageException>(() => SimulationFunctions.Build(TemplateOf(Spec("a"), Spec("b")), null, ["a", "x", "y", "z", "w"], true, null, null));

        Assert.Equal(
            "the trace calls x, y, z and 1 more, which s.yaml does not have (it has a, b); name the trace's functions after the s.yaml's, or give --function NAME to run every trace function with one spec",
            e.Message);
    }

    [Fact]
    public void SeveralFunctions_OneFunctionTrace_NeedsFunction()
    {
        var e = Assert.Throws<UsageException>(() => SimulationFunctions.Build(TemplateOf(Spec("a"), Spec("b")), null, ["code"], false, null, null));
        Assert.Equal("the trace is the traffic of one function and s.yaml has 2 (a, b); name the one it calls with --function NAME", e.Message);

        var plan = SimulationFunctions.Build(TemplateOf(Spec("a"), Spec("b", 8)), "b", ["code"], false, null, null);
        Assert.Equal("b", Assert.Single(plan.Functions).Spec.FunctionName);
        Assert.Equal(8, plan.Functions[0].Spec.InstanceConcurrency);
    }

    [Fact]
    public void Function_NotInTheTemplate_OrWithoutOne_IsAUsageError()
    {
        Assert.Equal("--function 'q' is not a function of s.yaml; it has a, b",
            Assert.Throws<UsageException>(() => SimulationFunctions.Build(TemplateOf(Spec("a"), Spec("b")), "q", ["t"], false, null, null)).Message);
        Assert.Equal("--function picks a function of the s.yaml; give the s.yaml with -t FILE",
            Assert.Throws<UsageException>(() => SimulationFunctions.Build(null, "q", ["t"], false, null, null)).Message);
    }

    [Fact]
    public void Provision_FromTheTemplate_OrTheFile_WithTargetOverIt()
    {
        var yaml = new JsonObject { ["defaultTarget"] = 2, ["alwaysAllocateCPU"] = false };
        var fromYaml = SimulationFunctions.Build(TemplateOf(Spec("a", provision: yaml)), null, ["t"], false, null, null);
        Assert.Equal(2, fromYaml.Functions[0].Provision!.EffectiveTarget);

        var file = ProvisionFile.Parse(SeedPolicy, "provision.json");
        var fromFile = SimulationFunctions.Build(TemplateOf(Spec("a", provision: yaml)), null, ["t"], false, file, 1);
        var provision = fromFile.Functions[0].Provision!;
        Assert.Equal(1, provision.DefaultTarget);
        Assert.Single(provision.TargetTrackingPolicies!);
    }

    [Fact]
    public void ProvisionFile_TheSeedsShape_AndFcsObject()
    {
        var seed = ProvisionFile.Parse(SeedPolicy, "provision.json");
        Assert.Null(seed.EffectiveTarget);
        Assert.Equal("scaling-policy-demo", seed.TargetTrackingPolicies![0]!["name"]!.GetValue<string>());

        var fc = ProvisionFile.Parse("""{"defaultTarget": 3, "alwaysAllocateGPU": false, "scheduledActions": []}""", "p.json");
        Assert.Equal(3, fc.EffectiveTarget);
        Assert.False(fc.AlwaysAllocateGPU);
        Assert.Equal("defaultTarget 3", ProvisionFile.Describe(fc));
        Assert.Equal("defaultTarget 0, 1 target tracking policy", ProvisionFile.Describe(seed));
    }

    [Theory]
    [InlineData("""{"defaultTarget": 3, "targetTrackingPolicies": [{"metricType": "QPS", "metricTarget": 0.5, "minCapacity": 1, "maxCapacity": 2}]}""",
        "p.json: targetTrackingPolicies[0].metricType: 'QPS' is not a metric type; use ProvisionedConcurrencyUtilization, CPUUtilization or GPUMemUtilization.")]
    [InlineData("""{"defaultTarget": 20000}""", "p.json: target 20000 is outside 0–10000.")]
    [InlineData("""[1, 2]""", "p.json: a provision config is a JSON object, like {\"defaultTarget\": 1, \"targetTrackingPolicies\": [...]}")]
    [InlineData("""{"defaultTarget": 1,""", "p.json:1: not valid JSON")]
    public void ProvisionFile_Invalid_IsRefusedAsTheServerWould(string json, string message)
    {
        var e = Assert.ThrowsAny<CliException>(() => ProvisionFile.Parse(json, "p.json"));
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ProvisionFile_UnknownKey_IsRefused()
    {
        var e = Assert.ThrowsAny<CliException>(() => ProvisionFile.Parse("""{"defaultTarget": 1, "targetTrakingPolicies": []}""", "p.json"));
        Assert.StartsWith("p.json: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("targetTrakingPolicies", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Target_OutOfRange_IsRefused() =>
        Assert.Equal("--target: target -1 is outside 0–10000.", Assert.ThrowsAny<CliException>(() => ProvisionFile.WithTarget(null, -1)).Message);
}
