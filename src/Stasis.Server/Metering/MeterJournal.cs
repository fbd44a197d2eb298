using Stasis.Server.Storage;

namespace Stasis.Server.Metering;

/// <summary>
/// Moves the meter's ledger into the store. One writer at a time: the heartbeat, a bill being read
/// and shutdown all go through <see cref="Flush"/>, so the store plus the meter's open intervals is
/// always one consistent picture: nothing in both, nothing in neither.
/// </summary>
/// <remarks>
/// When the store cannot take the batch (locked by another process, disk full) the closed intervals go
/// back to the meter and wait for the next beat, however many beats that takes: nothing is lost while
/// the server runs. Meanwhile a bill is read from the store plus what waits in memory, without trying to
/// write (<paramref name="health"/> says the store is failing).
/// </remarks>
internal sealed class MeterJournal(Meter meter, IMeterLedger store, StoreHealth? health = null)
{
    private readonly Lock _writing = new();
    private int _writingCount;
    private bool _recovered;
    // Whether meter_open may hold rows; while it is empty and nothing is open, a beat writes nothing.
    private bool _openRowsStored = true;

    /// <summary>
    /// Closes what a previous server left open at its last heartbeat, once: the heartbeat service calls it
    /// before any instance starts, and the first write does it anyway (a beat replaces meter_open, so
    /// writing before recovering would lose those rows). Later calls find nothing.
    /// </summary>
    public IReadOnlyList<MeterInterval> Recover()
    {
        lock (_writing)
        {
            return RecoverLocked();
        }
    }

    /// <summary>Closed intervals not yet in the store: waiting in the meter, or in a write under way. Never blocks.</summary>
    public int Pending => meter.Pending + Volatile.Read(ref _writingCount);

    /// <summary>One heartbeat: the closed intervals since the last one and the open ones, in one transaction.</summary>
    public MeterBatch Flush()
    {
        lock (_writing)
        {
            return FlushLocked();
        }
    }

    /// <summary>
    /// The intervals of <paramref name="function"/> (all functions when null) that overlap [from, to),
    /// the open ones closed at now; <paramref name="to"/> defaults to now. Unclipped: the bill clips.
    /// </summary>
    public MeterReading Read(string? function, DateTimeOffset from, DateTimeOffset? to)
    {
        lock (_writing)
        {
            var batch = FlushOrPeekLocked();
            var now = batch.Heartbeat;
            var end = to ?? now;
            var intervals = store.Read(function, from, end);
            foreach (var closed in batch.Closed)
            {
                // Closed intervals still in memory: the store could not take them yet.
                if ((function is null || closed.Instance.FunctionName == function) && closed.End > from && closed.Start < end)
                {
                    intervals.Add(closed);
                }
            }

            foreach (var open in batch.Open)
            {
                if ((function is null || open.Instance.FunctionName == function)
                    && open.CloseAt(now) is { } interval && interval.End > from && interval.Start < end)
                {
                    intervals.Add(interval);
                }
            }

            return new MeterReading(intervals, now);
        }
    }

    /// <summary>
    /// What a bill of <paramref name="function"/> (all when null) over [from, to) needs: the stored time summed by
    /// the store and the open intervals closed at now, all clipped to the period; <paramref name="to"/> defaults to now.
    /// </summary>
    public MeterTotals Sum(string? function, DateTimeOffset from, DateTimeOffset? to)
    {
        lock (_writing)
        {
            var batch = FlushOrPeekLocked();
            var now = batch.Heartbeat;
            var end = to ?? now;
            var sums = store.Sum(function, from, end);
            foreach (var closed in batch.Closed)
            {
                // Closed intervals still in memory: the store could not take them yet.
                if ((function is null || closed.Instance.FunctionName == function) && MeterSum.Of(closed, from, end) is { } sum)
                {
                    sums.Add(sum);
                }
            }

            foreach (var open in batch.Open)
            {
                if ((function is null || open.Instance.FunctionName == function)
                    && open.CloseAt(now) is { } interval && MeterSum.Of(interval, from, end) is { } sum)
                {
                    sums.Add(sum);
                }
            }

            return new MeterTotals(sums, now);
        }
    }

    /// <summary>Whether <paramref name="function"/> has anything to bill, stored or open.</summary>
    public bool Knows(string function)
    {
        lock (_writing)
        {
            var batch = FlushOrPeekLocked(); // intervals closed since the last beat count too
            return batch.Open.Any(o => o.Instance.FunctionName == function) || batch.Closed.Any(c => c.Instance.FunctionName == function)
                || store.HasFunction(function);
        }
    }

    /// <summary>
    /// For a reading: flushes, and returns a batch whose <see cref="MeterBatch.Closed"/> is empty (all stored);
    /// when the store is failing, returns what the meter holds instead, closed intervals included, unwritten.
    /// </summary>
    private MeterBatch FlushOrPeekLocked()
    {
        if (health?.Current.Fault is null)
        {
            try
            {
                var flushed = FlushLocked();
                return flushed with { Closed = [] };
            }
            catch (Exception e) when (StoreFaults.Classify(e) is { } fault)
            {
                health?.Failed(fault, "meter intervals", e);
            }
        }

        return meter.Peek();
    }

    private IReadOnlyList<MeterInterval> RecoverLocked()
    {
        if (_recovered)
        {
            return [];
        }

        var recovered = store.Recover();
        (_recovered, _openRowsStored) = (true, false);
        return recovered;
    }

    private MeterBatch FlushLocked()
    {
        RecoverLocked();
        var batch = meter.TakeBatch();
        if (batch.IsEmpty && !_openRowsStored)
        {
            return batch;
        }

        Volatile.Write(ref _writingCount, batch.Closed.Count);
        try
        {
            store.Write(batch);
        }
        catch
        {
            meter.Requeue(batch);
            throw;
        }
        finally
        {
            Volatile.Write(ref _writingCount, 0);
        }

        _openRowsStored = batch.Open.Count > 0;
        return batch;
    }
}

/// <summary>What <see cref="MeterJournal.Sum"/> found, and the instant it stands for.</summary>
internal sealed record MeterTotals(List<MeterSum> Sums, DateTimeOffset Now);

/// <summary>What <see cref="MeterJournal.Read"/> found, and the instant it stands for.</summary>
internal sealed record MeterReading(List<MeterInterval> Intervals, DateTimeOffset Now);
