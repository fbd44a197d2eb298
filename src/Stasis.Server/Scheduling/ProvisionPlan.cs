using Stasis.Server.Instances;

namespace Stasis.Server.Scheduling;

/// <summary>
/// A function's provisioning, apart from the instances it acts on: the target and idle mode, why current is short
/// of it (<see cref="CurrentError"/>), the back-off between failed starts, and the plan that reconciles the
/// provisioned instances with the target (how many start, which drain). Pure: the dispatcher passes the time and
/// its instances in, under its lock, and carries the plan out.
/// </summary>
internal sealed class ProvisionPlan
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan LastRetry = TimeSpan.FromMinutes(1);

    private string? _startError;
    private string? _refused;
    private int _failures;
    private DateTimeOffset _nextAttempt = DateTimeOffset.MinValue;

    public int Target { get; private set; }

    public bool IdleMode { get; private set; }

    /// <summary>Why current is short of target: the last failed start, else the server's instance limit; null when nothing is wrong.</summary>
    public string? CurrentError => _startError ?? _refused;

    /// <summary>A new config: target and idle mode as given, errors and back-off cleared. True when idle mode switched (the instances rotate).</summary>
    public bool Set(int target, bool idleMode)
    {
        var switched = IdleMode != idleMode;
        Target = target;
        IdleMode = idleMode;
        _startError = null;
        _failures = 0;
        _nextAttempt = DateTimeOffset.MinValue;
        return switched;
    }

    /// <summary>The autoscaler's target: only the count changes (idle mode, errors, back-off stay). False when it is the same.</summary>
    public bool ScaleTo(int target)
    {
        if (target == Target)
        {
            return false;
        }

        Target = target;
        return true;
    }

    /// <summary>A provisioned instance failed to start: the error stands, and the next attempt waits 2 s, 4 s, ... up to a minute.</summary>
    public void Failed(string message, DateTimeOffset now)
    {
        _startError = message;
        _failures++;
        _nextAttempt = now + TimeSpan.FromTicks(Math.Min(LastRetry.Ticks, FirstRetry.Ticks << Math.Min(_failures - 1, 10)));
    }

    /// <summary>A provisioned instance became ready: the earlier failure no longer says why current is short, and back-off starts over.</summary>
    public void Succeeded()
    {
        _startError = null;
        _failures = 0;
        _nextAttempt = DateTimeOffset.MinValue;
    }

    /// <summary>
    /// What reconciling asks: how many provisioned instances to start (0 while backing off), and which to drain — extra
    /// ones (starting first, then frozen, then the least busy) and retired ones beyond what the ready replacements leave
    /// to serve. <paramref name="kept"/> are the current version's provisioned instances not retired nor draining.
    /// Example: target 2, one ready and one starting, two retired → nothing starts, one retired may keep serving
    /// (2 − 1 ready), the other drains.
    /// </summary>
    public (int Start, List<Instance> Drain) Plan(IReadOnlyList<Instance> kept, IEnumerable<Instance> retired, bool closing, DateTimeOffset now)
    {
        var target = closing ? 0 : Target;
        var missing = target - kept.Count;
        var drain = new List<Instance>();
        var start = 0;
        if (missing <= 0)
        {
            _refused = null;
        }

        if (missing > 0 && now >= _nextAttempt)
        {
            _refused = null;
            start = missing;
        }
        else if (missing < 0)
        {
            drain.AddRange(kept.OrderBy(i => i.State.IsStarting() ? 0 : i.State == InstanceState.Frozen ? 1 : 2).ThenBy(i => i.InFlight).Take(-missing));
        }

        var mayServe = Math.Max(0, target - kept.Count(i => i.State.CanServe()));
        drain.AddRange(retired.OrderBy(i => i.InFlight).Skip(mayServe));
        return (start, drain);
    }

    /// <summary>Only <paramref name="started"/> of <paramref name="wanted"/> could start: the server's instance limit said why.</summary>
    public void Refused(int wanted, int started, string why) =>
        _refused = $"{wanted - started} of the target's instances cannot start: {why}";

}
