using Stasis.Cli.Simulating;
using Stasis.Server.Simulation;

namespace Stasis.Tests.Cli.Simulating;

public sealed class SimulationViewsTests
{
    private static IReadOnlyList<RunOutcome> Compare(params RunSpec[] extra)
    {
        var engine = new FakeSimulationEngine();
        var settings = new SimulationSettings
        {
            Functions = [],
            Requests = () => [new(TimeSpan.Zero, 0, 10), new(TimeSpan.FromSeconds(90), 0, 10)],
        };
        var runs = RunPlan.Build(SimulationMode.IdleMode, compare: true, []).Concat(extra).ToList();
        return SimulationRunner.WithRatios(runs.Select(r => (r, engine.Run(SimulationRunner.SettingsOf(settings, r), default))).ToList());
    }

    [Fact]
    public void Table_OneColumnPerRun_EveryFigure()
    {
        var table = SimulationViews.Table(Compare());

        Assert.Equal(["FIGURE", "ALWAYS-ALLOCATED", "IDLE MODE", "ON-DEMAND"], table.Headers);
        Assert.Equal(
            ["requests", "served", "refused", "latency p50 ms", "latency p90 ms", "latency p99 ms", "queue wait p50 ms", "queue wait p90 ms",
             "queue wait p99 ms", "cold starts", "thaws", "instances started", "idle s", "active s", "CU", "cost USD", "cost vs always-allocated", "simulated in"],
            table.Column("FIGURE"));
        Assert.Equal(["2", "1", "1", "120", "480", "3013", "0", "2.35", "41.1", "0", "0", "3", "1560.0", "3.8", "200000", "4.000000", "1.00x", "0.25s"],
            table.Column("ALWAYS-ALLOCATED"));
    }

    [Fact]
    public void Table_CostRatio_IsOverAlwaysAllocated()
    {
        var table = SimulationViews.Table(Compare());

        Assert.Equal("0.25x", table.Column("IDLE MODE")[^2]);
        Assert.Equal("0.13x", table.Column("ON-DEMAND")[^2]);
        Assert.Equal("12", table.Column("IDLE MODE")[10]);
        Assert.Equal("7", table.Column("ON-DEMAND")[9]);
    }

    [Fact]
    public void Table_PolicyRuns_AreColumnsToo_WithTheAlwaysAllocatedBaseline()
    {
        var runs = Compare(new RunSpec("idle mode / round-robin", SimulationMode.IdleMode, "round-robin"));

        var table = SimulationViews.Table(runs);

        Assert.Equal("IDLE MODE / ROUND-ROBIN", table.Headers[^1]);
        Assert.Equal("0.25x", table.Column("IDLE MODE / ROUND-ROBIN")[^2]);
    }

    [Fact]
    public void Table_WithoutAnAlwaysAllocatedRun_HasNoRatio()
    {
        var engine = new FakeSimulationEngine();
        var settings = new SimulationSettings { Functions = [], Requests = () => [new(TimeSpan.Zero, 0, 10)] };
        var run = RunPlan.Build(SimulationMode.OnDemand, compare: false, [])[0];
        var outcomes = SimulationRunner.WithRatios([(run, engine.Run(SimulationRunner.SettingsOf(settings, run), default))]);

        Assert.Equal("-", SimulationViews.Table(outcomes).Column("ON-DEMAND")[^2]);
    }

    [Fact]
    public void RunPlan_ModesPoliciesAndLabels()
    {
        Assert.Equal(["idle mode"], RunPlan.Build(SimulationMode.IdleMode, false, []).Select(r => r.Label));
        Assert.Equal(["always-allocated", "idle mode", "on-demand"], RunPlan.Build(SimulationMode.OnDemand, true, []).Select(r => r.Label));
        Assert.Equal(
            ["always-allocated", "idle mode", "on-demand", "on-demand / join-idle-queue", "on-demand / round-robin"],
            RunPlan.Build(SimulationMode.OnDemand, true, RunPlan.ParsePolicies("jiq, rr, jiq")).Select(r => r.Label));
        Assert.Equal([SimulationMode.IdleMode, SimulationMode.AlwaysAllocated, SimulationMode.OnDemand],
            new[] { "idle", "always", "on-demand" }.Select(RunPlan.ParseMode));
        Assert.Equal(["least-outstanding", "power-of-two-choices", "random"], RunPlan.ParsePolicies("lo,p2c,random"));
    }

    [Fact]
    public void RunPlan_BadModeOrPolicy_IsAUsageError()
    {
        Assert.Equal("--mode 'sometimes' is not a mode; use idle, always or on-demand",
            Assert.Throws<Stasis.Cli.UsageException>(() => RunPlan.ParseMode("sometimes")).Message);
        Assert.StartsWith("--policies: 'fastest' is not a placement policy; use join-idle-queue, ",
            Assert.Throws<Stasis.Cli.UsageException>(() => RunPlan.ParsePolicies("jiq,fastest")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SettingsOf_SetsTheModeAndEveryFunctionsPolicy()
    {
        var settings = new SimulationSettings
        {
            Functions = [new SimulatedFunction(new() { FunctionName = "a" }, null), new SimulatedFunction(new() { FunctionName = "b", SchedulingPolicy = "random" }, null)],
            Requests = () => [],
        };

        var run = SimulationRunner.SettingsOf(settings, new RunSpec("x", SimulationMode.OnDemand, "round-robin"));

        Assert.Equal(SimulationMode.OnDemand, run.Mode);
        Assert.All(run.Functions, f => Assert.Equal("round-robin", f.Spec.SchedulingPolicy));
        Assert.Same(settings.Functions, SimulationRunner.SettingsOf(settings, new RunSpec("y", SimulationMode.IdleMode, null)).Functions);
    }
}
