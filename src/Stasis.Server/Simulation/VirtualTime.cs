namespace Stasis.Server.Simulation;

/// <summary>
/// A clock that moves only when the simulator says, and the events due on it. The core reads time
/// and sets timers through this <see cref="TimeProvider"/> exactly as it does through the system's;
/// the simulator schedules its own events (arrivals, ends of service, ticks) on the same queue, so
/// everything happens in one order: by due time, then by when it was scheduled. Single-threaded: the
/// simulator's loop is the only caller.
/// </summary>
internal sealed class VirtualTime(DateTimeOffset start) : TimeProvider
{
    private readonly PriorityQueue<Entry, (long Due, long Seq)> _queue = new();
    private long _now;
    private long _seq;

    /// <summary>Ticks since the start.</summary>
    public long Now => _now;

    public TimeSpan Elapsed => TimeSpan.FromTicks(_now);

    public DateTimeOffset Start { get; } = start;

    public override DateTimeOffset GetUtcNow() => Start.AddTicks(_now);

    public override long GetTimestamp() => _now;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <summary>Runs <paramref name="action"/> with <paramref name="state"/> <paramref name="after"/> from now (zero: after what is already due now).</summary>
    public void Schedule(TimeSpan after, Action<object?> action, object? state) =>
        ScheduleAt(_now + Math.Max(0, after.Ticks), action, state);

    public void ScheduleAt(long due, Action<object?> action, object? state)
    {
        CheckThread();
        _queue.Enqueue(new Entry(action, state, null, 0), (Math.Max(due, _now), _seq++));
    }

    private int _owner = -1;

    /// <summary>Where work first ran off the simulator's thread, if it did (a bug: the run is then not deterministic).</summary>
    public string? Hop { get; private set; }

    /// <summary>Everything must happen on the simulator's thread: work that hops to another thread would let the clock run ahead of it.</summary>
    private void CheckThread()
    {
        var current = Environment.CurrentManagedThreadId;
        if (_owner == -1)
        {
            _owner = current;
        }
        else if (_owner != current)
        {
            Hop ??= $"virtual time used from thread {current}, not the simulator's ({_owner}): {Environment.StackTrace}";
            throw new InvalidOperationException(Hop);
        }
    }

    /// <summary>Moves the clock to the next event and runs it; false when nothing is scheduled.</summary>
    public bool RunNext()
    {
        if (!_queue.TryDequeue(out var entry, out var key))
        {
            return false;
        }

        _now = key.Due;
        LastEvent = entry;
        if (entry.Timer is { } timer)
        {
            timer.Fire(entry.Version);
        }
        else
        {
            entry.Action!(entry.State);
        }

        return true;
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new VirtualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private void Arm(VirtualTimer timer, long version, TimeSpan dueTime)
    {
        CheckThread();
        _queue.Enqueue(new Entry(null, null, timer, version), (_now + Math.Max(0, dueTime.Ticks), _seq++));
    }

    /// <summary>What ran last, for a message when the simulation stalls.</summary>
    public string Describe() => LastEvent.Timer is not null ? "a timer of the core" : $"{LastEvent.Action?.Method.DeclaringType?.Name}.{LastEvent.Action?.Method.Name} ({LastEvent.State?.GetType().Name})";

    private Entry LastEvent { get; set; }

    private readonly record struct Entry(Action<object?>? Action, object? State, VirtualTimer? Timer, long Version);

    /// <summary>A timer of the core (Task.Delay, CancellationTokenSource): a new Change or a Dispose makes its pending firing stale.</summary>
    private sealed class VirtualTimer(VirtualTime time, TimerCallback callback, object? state) : ITimer
    {
        private long _version;
        private TimeSpan _period = Timeout.InfiniteTimeSpan;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            var version = ++_version;
            _period = period;
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                time.Arm(this, version, dueTime);
            }

            return true;
        }

        public void Fire(long version)
        {
            if (version != _version)
            {
                return;
            }

            if (_period != Timeout.InfiniteTimeSpan && _period > TimeSpan.Zero)
            {
                time.Arm(this, version, _period);
            }

            callback(state);
        }

        public void Dispose() => _version++;

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
