using System.Text.Json.Nodes;
using Stasis.Server.Autoscaling;
using Stasis.Server.Functions;

namespace Stasis.Tests.Autoscaling;

/// <summary>The stateful side of the autoscaler: metrics in, state kept per config, decisions journaled once.</summary>
public sealed class ProvisionScalerTests
{
    private const string Tracking = """
        [{"name": "pcu", "metricType": "ProvisionedConcurrencyUtilization", "metricTarget": 0.5, "minCapacity": 1, "maxCapacity": 4}]
        """;

    private static readonly DateTimeOffset T0 = new(2026, 3, 10, 10, 0, 0, TimeSpan.Zero);

    private sealed class Journal : IScalingJournal
    {
        public List<(string Function, ScalingDecision Decision, int Previous)> Entries { get; } = new();

        public List<string> Forgotten { get; } = new();

        public void Record(string functionName, ScalingDecision decision, int previousTarget) => Entries.Add((functionName, decision, previousTarget));

        public void Forget(string functionName) => Forgotten.Add(functionName);
    }

    private static ProvisionRecord Record(int defaultTarget, string tracking = Tracking) =>
        new("fn", "LATEST", defaultTarget, true, true, [], JsonNode.Parse(tracking)!.AsArray(), T0);

    [Fact]
    public void Evaluate_SameIntervalOnEveryTick_CountsItOnceAndJournalsOnce()
    {
        var journal = new Journal();
        var scaler = new ProvisionScaler(journal, new ScalingSettings(ScaleOutIntervals: 2, ScaleInIntervals: 5));
        var record = Record(1);

        scaler.Evaluate(record, 1, T0); // first decision: minCapacity 1
        scaler.OnInterval("fn", new ScalingMetrics(T0.AddMinutes(1), ProvisionedConcurrencyUtilization: 1.0));
        for (var s = 0; s < 30; s++)
        {
            Assert.Equal(1, scaler.Evaluate(record, 1, T0.AddMinutes(1).AddSeconds(s)).Target); // one interval over: not yet
        }

        scaler.OnInterval("fn", new ScalingMetrics(T0.AddMinutes(2), ProvisionedConcurrencyUtilization: 1.0));
        var decision = scaler.Evaluate(record, 1, T0.AddMinutes(2));

        Assert.Equal(2, decision.Target); // two intervals over: ceil(1 × 1.0 / 0.5)
        Assert.Equal(3, journal.Entries.Count); // the first, each new interval weighed; not the 29 repeats
        Assert.Equal((1, 2), (journal.Entries[^1].Previous, journal.Entries[^1].Decision.Target));
        Assert.Same(decision, scaler.Last("fn"));
    }

    [Fact]
    public void Evaluate_NewConfig_StartsFromACleanState()
    {
        var scaler = new ProvisionScaler(new Journal(), new ScalingSettings(ScaleOutIntervals: 2, ScaleInIntervals: 5));
        var first = Record(1);
        scaler.OnInterval("fn", new ScalingMetrics(T0.AddMinutes(1), ProvisionedConcurrencyUtilization: 1.0));
        scaler.Evaluate(first, 1, T0.AddMinutes(1));

        var second = Record(1); // a new put: a new record
        scaler.OnInterval("fn", new ScalingMetrics(T0.AddMinutes(2), ProvisionedConcurrencyUtilization: 1.0));

        Assert.Equal(1, scaler.Evaluate(second, 1, T0.AddMinutes(2)).Target); // one interval counted for the new config, not two
    }

    [Fact]
    public void Evaluate_TargetZero_DisablesThePolicies()
    {
        var scaler = new ProvisionScaler(new Journal(), ScalingSettings.Default);

        var decision = scaler.Evaluate(Record(0), 2, T0);

        Assert.Equal(0, decision.Target);
        Assert.Equal("target 0 disables the policies", decision.Reason);
    }

    [Fact]
    public void Evaluate_NoPolicies_IsDefaultTarget()
    {
        var decision = new ProvisionScaler(new Journal(), ScalingSettings.Default).Evaluate(Record(3, "[]"), 0, T0);

        Assert.Equal(3, decision.Target);
        Assert.Contains("defaultTarget 3", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void OnInterval_AnOlderIntervalIsIgnored()
    {
        var scaler = new ProvisionScaler(new Journal(), new ScalingSettings(ScaleOutIntervals: 1, ScaleInIntervals: 1));
        scaler.OnInterval("fn", new ScalingMetrics(T0.AddMinutes(2), ProvisionedConcurrencyUtilization: 1.0));
        scaler.OnInterval("fn", new ScalingMetrics(T0.AddMinutes(1), ProvisionedConcurrencyUtilization: 0.1));

        var decision = scaler.Evaluate(Record(1), 2, T0.AddMinutes(2));

        Assert.Equal(T0.AddMinutes(2), decision.Evidence.Metrics!.IntervalEnd);
        Assert.Equal(4, decision.Target);
    }

    [Fact]
    public void ScaleOut_IsSizedOnTheInstancesTheIntervalMeasured_NotOnesReadySince()
    {
        var scaler = new ProvisionScaler(new Journal(), new ScalingSettings(ScaleOutIntervals: 1, ScaleInIntervals: 5));
        var record = Record(1, """[{"name": "pcu", "metricType": "ProvisionedConcurrencyUtilization", "metricTarget": 0.5, "minCapacity": 1, "maxCapacity": 12}]""");
        scaler.OnInterval("fn", new ScalingMetrics(T0.AddMinutes(1), ProvisionedConcurrencyUtilization: 1.0) { Measured = 4 });
        Assert.Equal(8, scaler.Evaluate(record, 4, T0.AddMinutes(1)).Target);

        // The next interval still measured 4 (the new ones were starting) at 1.0; 8 are ready when it is weighed.
        scaler.OnInterval("fn", new ScalingMetrics(T0.AddMinutes(2), ProvisionedConcurrencyUtilization: 1.0) { Measured = 4 });
        var decision = scaler.Evaluate(record, 8, T0.AddMinutes(2));

        Assert.Equal(8, decision.Target); // ceil(4 × 1.0 / 0.5), not ceil(8 × 1.0 / 0.5) = 16
    }

    [Fact]
    public void ScaleIn_UsesTheMeanOfTheQuietPeriod_NotItsLastInterval()
    {
        var scaler = new ProvisionScaler(new Journal(), new ScalingSettings(ScaleOutIntervals: 3, ScaleInIntervals: 3));
        var record = Record(1, """[{"name": "pcu", "metricType": "ProvisionedConcurrencyUtilization", "metricTarget": 0.5, "minCapacity": 1, "maxCapacity": 12}]""");
        scaler.Evaluate(record, 8, T0);
        ScalingDecision? decision = null;
        foreach (var (minute, metric) in new[] { (1, 0.40), (2, 0.40), (3, 0.10) })
        {
            scaler.OnInterval("fn", new ScalingMetrics(T0.AddMinutes(minute), ProvisionedConcurrencyUtilization: metric) { Measured = 8 });
            decision = scaler.Evaluate(record, 8, T0.AddMinutes(minute));
        }

        Assert.Equal(5, decision!.Target); // ceil(8 × mean 0.30 / 0.5) = 5; the last interval alone would give 2
    }

    [Fact]
    public void Forget_DropsStateAndTheJournal()
    {
        var journal = new Journal();
        var scaler = new ProvisionScaler(journal, ScalingSettings.Default);
        scaler.Evaluate(Record(1), 0, T0);

        scaler.Forget("fn");

        Assert.Null(scaler.Last("fn"));
        Assert.Equal(["fn"], journal.Forgotten);
    }
}
