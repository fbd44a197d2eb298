using System.Globalization;
using System.Text.Json.Nodes;
using Stasis.Server.Autoscaling;

namespace Stasis.Tests.Autoscaling;

/// <summary>
/// A timeline for the decider, read like Knative's scenario tests: each step is the moment a metric
/// interval closes and the autoscaler decides.
/// <code>
/// t.At("10:00").Current(2).Metric(0.92).Expect(2);   // one interval above target: not yet
/// </code>
/// Times are "HH:mm" on <c>day</c> or full local times ("2024-03-11T07:00"), both read in the
/// timeline's zone. <see cref="Step.Current"/> holds until changed; a metric is for one step only.
/// </summary>
internal sealed class ScalingTimeline(ScalingPolicies policies, int defaultTarget = 0, string zone = "UTC", string day = "2024-03-10", ScalingSettings? settings = null)
{
    private readonly TimeZoneInfo _zone = TimeZoneInfo.FindSystemTimeZoneById(zone);

    /// <param name="tracking">targetTrackingPolicies as FC's JSON.</param>
    /// <param name="actions">scheduledActions as FC's JSON.</param>
    public ScalingTimeline(string tracking = "[]", string actions = "[]", int defaultTarget = 0, string zone = "UTC", string day = "2024-03-10", ScalingSettings? settings = null)
        : this(Parse(tracking, actions), defaultTarget, zone, day, settings)
    {
    }

    public ScalingPolicies Policies { get; } = policies;

    public int DefaultTarget { get; } = defaultTarget;

    public ScalingSettings Settings { get; } = settings ?? ScalingSettings.Default;

    public ScalingState State { get; private set; } = ScalingState.Initial;

    public int Current { get; set; }

    /// <summary>The config says target 0: policies off.</summary>
    public bool Disabled { get; set; }

    public Step At(string time) => new(this, Time(time));

    /// <summary>One step per minute from <paramref name="from"/> to <paramref name="to"/>, both included.</summary>
    public void During(string from, string to, Action<Step> each)
    {
        for (var at = Time(from); at <= Time(to); at = at.AddMinutes(1))
        {
            each(new Step(this, at));
        }
    }

    public static ScalingPolicies Parse(string tracking, string actions)
    {
        var ok = ScalingPolicyParser.TryParse(JsonNode.Parse(tracking)!.AsArray(), JsonNode.Parse(actions)!.AsArray(), out var policies, out var errors);
        Assert.True(ok, string.Join("\n", errors));
        return policies!;
    }

    private DateTimeOffset Time(string text)
    {
        var local = DateTime.ParseExact(text.Contains('T', StringComparison.Ordinal) ? text : $"{day}T{text}",
            ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None);
        return new DateTimeOffset(local, _zone.GetUtcOffset(local));
    }

    internal sealed class Step(ScalingTimeline timeline, DateTimeOffset now)
    {
        private ScalingMetrics? _metrics;

        public DateTimeOffset Now => now;

        /// <summary>Provisioned instances ready from this step on.</summary>
        public Step Current(int ready)
        {
            timeline.Current = ready;
            return this;
        }

        /// <summary>The interval that closes now measured <paramref name="value"/> (null: unavailable).</summary>
        public Step Metric(double? value, ScalingMetricType type = ScalingMetricType.ProvisionedConcurrencyUtilization)
        {
            var metrics = _metrics ?? new ScalingMetrics(now);
            _metrics = type switch
            {
                ScalingMetricType.CPUUtilization => metrics with { CPUUtilization = value },
                ScalingMetricType.GPUMemUtilization => metrics with { GPUMemUtilization = value },
                _ => metrics with { ProvisionedConcurrencyUtilization = value },
            };
            return this;
        }

        /// <summary>Decides, checks the target and hands the decision back for more checks.</summary>
        public ScalingDecision Expect(int target)
        {
            var decision = Decide();
            Assert.True(target == decision.Target,
                $"at {now:yyyy-MM-dd HH:mm zzz}: expected target {target}, got {decision.Target} ({decision.Reason})");
            return decision;
        }

        public ScalingDecision Decide()
        {
            var input = new ScalingInput(now, timeline.DefaultTarget, timeline.Disabled, timeline.Policies, timeline.Current, _metrics, timeline.Settings);
            var decision = Autoscaler.Decide(input, timeline.State);
            timeline.State = decision.State;
            return decision;
        }
    }
}
