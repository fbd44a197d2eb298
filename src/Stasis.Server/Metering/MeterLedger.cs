namespace Stasis.Server.Metering;

/// <summary>
/// The pure part of the meter: one state machine per instance, from Started through Changed to Ended.
/// Each change closes the open interval and opens the next one at the same instant, so an instance's
/// intervals are contiguous, never overlap, and add up to its lifetime. Not thread-safe (the
/// <see cref="Meter"/> serialises calls); no I/O; every call is O(1).
/// </summary>
/// <remarks>
/// Example: Started at 0 s, Changed(Idle) at 2 s, Changed(Active) at 5 s, Ended at 6 s closes
/// [0, 2) active, [2, 5) idle, [5, 6) active: 3 s active + 3 s idle = the 6 s it lived.
/// Times that go backwards for an instance (a clock step) are taken as its last change, so they
/// close a zero-length interval, which is dropped, rather than an overlapping one.
/// </remarks>
internal sealed class MeterLedger
{
    private readonly Dictionary<string, OpenInterval> _open = new(StringComparer.Ordinal);

    public int OpenCount => _open.Count;

    /// <summary>Opens an active interval; an instance already open under that id is closed first.</summary>
    public void Start(MeteredInstance instance, DateTimeOffset at, ICollection<MeterInterval> closed)
    {
        ArgumentNullException.ThrowIfNull(instance);
        at = MeterTime.Truncate(at);
        if (_open.TryGetValue(instance.InstanceId, out var previous))
        {
            at = Later(previous.Start, at);
            Add(closed, previous.CloseAt(at));
        }

        _open[instance.InstanceId] = new OpenInterval(instance, MeterState.Active, at);
    }

    /// <summary>Closes the open interval and opens one in <paramref name="state"/>; the same state or an unknown instance is ignored.</summary>
    public void Change(string instanceId, MeterState state, DateTimeOffset at, ICollection<MeterInterval> closed)
    {
        if (!_open.TryGetValue(instanceId, out var current) || current.State == state)
        {
            return;
        }

        at = Later(current.Start, MeterTime.Truncate(at));
        Add(closed, current.CloseAt(at));
        _open[instanceId] = current with { State = state, Start = at };
    }

    /// <summary>Closes the open interval for good; an instance that is not open is ignored.</summary>
    public void End(string instanceId, DateTimeOffset at, ICollection<MeterInterval> closed)
    {
        if (!_open.Remove(instanceId, out var current))
        {
            return;
        }

        Add(closed, current.CloseAt(Later(current.Start, MeterTime.Truncate(at))));
    }

    public bool TryGetOpen(string instanceId, out OpenInterval open) => _open.TryGetValue(instanceId, out open!);

    /// <summary>A copy of the open intervals, for the heartbeat and for bills up to now.</summary>
    public List<OpenInterval> Open() => [.. _open.Values];

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static void Add(ICollection<MeterInterval> closed, MeterInterval? interval)
    {
        if (interval is not null)
        {
            closed.Add(interval);
        }
    }
}
