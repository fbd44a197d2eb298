using System.Globalization;

namespace Stasis.Server.Autoscaling;

/// <summary>
/// The autoscaling decision as a pure function, after Knative's decider and Ray Serve's policy:
/// (input snapshot, state) → (target, reason, new state). It reads no clock: <c>now</c> and the latest
/// metric interval come in the input; the loop around it (collecting metrics, applying targets) owns
/// the state and the time.
/// <para>
/// The rules, with FC's composition: every applying tracking policy proposes a count
/// (<see cref="Propose"/>); the scheduled action that fired most recently proposes its target; the
/// highest proposal wins. When nothing applies the count is <c>defaultTarget</c>; when the config says
/// target 0 explicitly (<see cref="ScalingInput.Disabled"/>) it is 0 whatever the policies say.
/// </para>
/// <para>
/// Example: defaultTarget 1; a schedule fired at 08:00 with target 3; a tracking policy on
/// ProvisionedConcurrencyUtilization, target 0.6, [1, 10], 2 ready, metric 0.9 for 3 intervals →
/// proposals 3 and ceil(2 × 0.9 / 0.6) = 3 → target 3. At 4 intervals of 0.9 with 3 ready →
/// (the step reset the count) the policy holds 3. At 20:00 an evening action fires with target 0 → the
/// scheduled proposal is 0 and the policy's 3 wins.
/// </para>
/// </summary>
internal static partial class Autoscaler
{
    public static ScalingDecision Decide(ScalingInput input, ScalingState state)
    {
        var metrics = input.Metrics;
        var newInterval = metrics is not null && (state.LastInterval is null || metrics.IntervalEnd > state.LastInterval);
        var lastInterval = newInterval ? metrics!.IntervalEnd : state.LastInterval;

        if (input.Disabled)
        {
            var none = new ScalingEvidence(input.Now, input.Current, input.DefaultTarget, metrics, []);
            return new ScalingDecision(0, "target 0 disables the policies", null, none, ScalingState.Initial with { LastInterval = lastInterval, LastTarget = 0 });
        }

        var proposals = new List<ScalingProposal>();
        if (Scheduled(input.Policies.ScheduledActions, input.Now) is { } scheduled)
        {
            proposals.Add(scheduled);
        }

        var tracking = new Dictionary<string, TrackingState>(StringComparer.Ordinal);
        var asked = new List<(TargetTrackingPolicy Policy, int Asked, double Metric)>();
        var explain = new List<string>();
        foreach (var policy in input.Policies.TargetTracking.Where(p => p.AppliesAt(input.Now)))
        {
            var result = Propose(policy, state.For(policy), metrics?.Get(policy.MetricType), metrics?.Measured ?? input.Current, newInterval, input.Settings);
            tracking[policy.Key] = result.State;
            proposals.Add(new ScalingProposal($"policy {policy.Key}", result.Target, result.Why));
            // An unavailable metric holds the count: the reason says so ("... unavailable: holding 3"). It is not an error
            // to show as the config's currentError, where it read as a fault while nothing was wrong.
            if (result.Asked is { } wanted && wanted > policy.MaxCapacity && result.Target == policy.MaxCapacity)
            {
                asked.Add((policy, wanted, metrics!.Get(policy.MetricType)!.Value));
            }
        }

        int target;
        string reason;
        if (proposals.Count == 0)
        {
            target = input.DefaultTarget;
            reason = $"no policy applies: defaultTarget {target}";
        }
        else
        {
            var winner = proposals.MaxBy(p => p.Target)!;
            target = winner.Target;
            reason = proposals.Count == 1 ? winner.ToString() : $"{winner}, the highest of {proposals.Count} proposals";
        }

        // A policy at its maxCapacity only holds the count back when no other proposal gives what its metric asks.
        foreach (var (policy, wanted, metric) in asked.Where(a => a.Asked > target))
        {
            explain.Add($"maxCapacity {policy.MaxCapacity} of policy {policy.Key} reached: {policy.MetricType} {Num(metric)} asks for {wanted}");
        }

        var evidence = new ScalingEvidence(input.Now, input.Current, input.DefaultTarget, metrics, proposals);
        var next = new ScalingState(tracking, lastInterval, target);
        return new ScalingDecision(target, reason, explain.Count == 0 ? null : string.Join("; ", explain), evidence, next);
    }

    /// <summary>
    /// The scheduled target: the action whose latest firing (≤ now, inside its [startTime, endTime))
    /// is the most recent sets it; actions that fired at the same instant give the highest target.
    /// Example: "morning" cron(0 0 8 * * *) target 5 and "evening" cron(0 0 20 * * *) target 1 →
    /// at 12:00 the morning's 5, at 21:00 the evening's 1, at 07:00 the evening's 1 (from the day before).
    /// Null when no action has fired.
    /// </summary>
    private static ScalingProposal? Scheduled(IReadOnlyList<ScheduledAction> actions, DateTimeOffset now)
    {
        var fired = actions
            .Select(a => (Action: a, At: a.LastFiring(now)))
            .Where(f => f.At is not null)
            .OrderByDescending(f => f.At)
            .ThenByDescending(f => f.Action.Target)
            .FirstOrDefault();
        if (fired.Action is not { } action)
        {
            return null;
        }

        var local = TimeZoneInfo.ConvertTime(fired.At!.Value, action.TimeZone);
        var at = local.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
        return new ScalingProposal($"scheduled action {action.Key}", action.Target, $"{action.Schedule.Expression} fired at {at}: target {action.Target}");
    }

    private static string Num(double value) => value.ToString("0.00##", CultureInfo.InvariantCulture);
}
