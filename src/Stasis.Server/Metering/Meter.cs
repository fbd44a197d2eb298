namespace Stasis.Server.Metering;

/// <summary>
/// The dispatcher's meter: <see cref="MeterLedger"/> behind a lock, plus the intervals closed since
/// the last heartbeat. Calls come from under the dispatcher's lock, so they only touch memory; the
/// <see cref="MeterJournal"/> takes what accumulated with <see cref="TakeBatch"/> and persists it.
/// </summary>
internal sealed class Meter(TimeProvider time) : IInstanceMeter
{
    private readonly Lock _gate = new();
    private readonly MeterLedger _ledger = new();
    private List<MeterInterval> _closed = [];

    public void Started(MeteredInstance instance, DateTimeOffset at)
    {
        lock (_gate)
        {
            _ledger.Start(instance, at, _closed);
        }
    }

    public void Changed(string instanceId, MeterState state, DateTimeOffset at)
    {
        lock (_gate)
        {
            _ledger.Change(instanceId, state, at, _closed);
        }
    }

    public void Ended(string instanceId, DateTimeOffset at)
    {
        lock (_gate)
        {
            _ledger.End(instanceId, at, _closed);
        }
    }

    /// <summary>
    /// The intervals closed since the last batch and a copy of the open ones, both as of one instant
    /// (read under the lock, so no change falls between the two halves).
    /// </summary>
    public MeterBatch TakeBatch()
    {
        lock (_gate)
        {
            var closed = _closed;
            _closed = [];
            return BatchOf(closed);
        }
    }

    /// <summary>What <see cref="TakeBatch"/> would return, taking nothing: for a bill read while the store cannot be written.</summary>
    public MeterBatch Peek()
    {
        lock (_gate)
        {
            return BatchOf([.. _closed]);
        }
    }

    /// <summary>Closed intervals that wait for the store: those since the last heartbeat, more while the store cannot be written.</summary>
    public int Pending
    {
        get
        {
            lock (_gate)
            {
                return _closed.Count;
            }
        }
    }

    /// <summary>A batch of <paramref name="closed"/> and a copy of the open intervals, stamped now. Under the lock.</summary>
    private MeterBatch BatchOf(List<MeterInterval> closed)
    {
        var open = _ledger.Open();
        // Never before an open interval's start, even if the clock stepped back since it opened.
        var heartbeat = MeterTime.Truncate(time.GetUtcNow());
        foreach (var interval in open)
        {
            heartbeat = interval.Start > heartbeat ? interval.Start : heartbeat;
        }

        return new MeterBatch(closed, open, heartbeat);
    }

    /// <summary>Puts back the closed intervals of a batch that could not be written, ahead of newer ones.</summary>
    public void Requeue(MeterBatch batch)
    {
        lock (_gate)
        {
            _closed.InsertRange(0, batch.Closed);
        }
    }
}
