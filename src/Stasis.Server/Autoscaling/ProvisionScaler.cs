using System.Collections.Concurrent;
using Stasis.Server.Functions;

namespace Stasis.Server.Autoscaling;

/// <summary>Where decisions go (the store in the server, a list in tests).</summary>
internal interface IScalingJournal
{
    void Record(string functionName, ScalingDecision decision, int previousTarget);

    void Forget(string functionName);
}

/// <summary>
/// The loop's side of autoscaling: keeps each function's <see cref="ScalingState"/> and its latest
/// closed metric interval, asks <see cref="Autoscaler.Decide"/> for the target, and journals a
/// decision whenever the target changes or a new interval was weighed. Thread-safe per function
/// (the registry serialises changes; ticks and metric intervals may arrive concurrently).
/// </summary>
internal sealed class ProvisionScaler(IScalingJournal journal, ScalingSettings settings)
{
    private readonly ConcurrentDictionary<string, Entry> _functions = new(StringComparer.Ordinal);

    public ScalingSettings Settings => settings;

    /// <summary>A metric interval of <paramref name="functionName"/> closed: the next evaluation weighs it.</summary>
    public void OnInterval(string functionName, ScalingMetrics metrics)
    {
        var entry = _functions.GetOrAdd(functionName, _ => new Entry());
        lock (entry)
        {
            if (entry.Metrics is null || metrics.IntervalEnd > entry.Metrics.IntervalEnd)
            {
                entry.Metrics = metrics;
            }
        }
    }

    /// <summary>
    /// The target for <paramref name="record"/> now (the registry passes the same instance until the
    /// config changes), given <paramref name="current"/> ready provisioned
    /// instances. Policies that do not parse (they were validated when stored, so only a changed rule
    /// could cause it) leave defaultTarget in force, with the reason saying so.
    /// </summary>
    public ScalingDecision Evaluate(ProvisionRecord record, int current, DateTimeOffset now)
    {
        var entry = _functions.GetOrAdd(record.FunctionName, _ => new Entry());
        lock (entry)
        {
            if (!ReferenceEquals(entry.Config, record) || entry.Policies is null)
            {
                // A new config starts from a clean state: counts of the old policies do not carry over.
                entry.Config = record;
                entry.Policies = ScalingPolicyParser.TryParse(record, out var parsed, out var errors) ? parsed : new ScalingPolicies([], []);
                entry.ParseError = errors.Count > 0 ? string.Join(" ", errors) : null;
                entry.State = ScalingState.Initial;
            }

            var input = new ScalingInput(now, record.DefaultTarget, record.DefaultTarget == 0, entry.Policies, current, entry.Metrics, settings);
            var decision = Autoscaler.Decide(input, entry.State);
            if (entry.ParseError is { } error)
            {
                decision = decision with { Explain = $"the policies could not be read ({error}); defaultTarget applies" };
            }

            var previous = entry.Last?.Target ?? -1;
            var weighedNewInterval = decision.State.LastInterval != entry.State.LastInterval;
            entry.State = decision.State;
            entry.Last = decision;
            if (previous != decision.Target || weighedNewInterval || entry.Last.Explain != entry.LastExplain)
            {
                entry.LastExplain = decision.Explain;
                journal.Record(record.FunctionName, decision, previous);
            }

            return decision;
        }
    }

    /// <summary>
    /// Decides <paramref name="dispatcher"/>'s target now (from its ready provisioned instances) and scales it:
    /// what the server's tick, a closed metric interval and the simulator all do.
    /// </summary>
    public ScalingDecision Apply(ProvisionRecord record, Scheduling.FunctionDispatcher dispatcher, DateTimeOffset now)
    {
        var decision = Evaluate(record, dispatcher.ProvisionState().Current, now);
        dispatcher.ScaleTo(decision.Target);
        return decision;
    }

    /// <summary>The last decision for a function, if any was made since the server started.</summary>
    public ScalingDecision? Last(string functionName) =>
        _functions.TryGetValue(functionName, out var entry) ? Volatile.Read(ref entry.Last) : null;

    /// <summary>The function was removed: its state and its journaled decisions go.</summary>
    public void Forget(string functionName)
    {
        _functions.TryRemove(functionName, out _);
        journal.Forget(functionName);
    }

    private sealed class Entry
    {
        public ProvisionRecord? Config;
        public ScalingPolicies? Policies;
        public string? ParseError;
        public ScalingState State = ScalingState.Initial;
        public ScalingMetrics? Metrics;
        public ScalingDecision? Last;
        public string? LastExplain;
    }
}
