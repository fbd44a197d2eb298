using Stasis.Server.Metering;

namespace Stasis.Server.Instances;

/// <summary>
/// The instance's lifecycle as a state machine: one method per event, each allowed only from the states the table
/// below lists (anything else is a bug, and throws), each writing the timeline and the meter itself, so billing
/// follows the state by construction. Events may come from the local runtime or from a remote one through the
/// same methods. Under the owning dispatcher's lock.
/// </summary>
internal sealed partial class Instance
{
    /// <summary>Which state may follow which. A state may also follow itself (a second request on a busy instance).</summary>
    public static readonly IReadOnlyDictionary<InstanceState, InstanceState[]> Transitions = new Dictionary<InstanceState, InstanceState[]>
    {
        [InstanceState.Starting] = [InstanceState.Initializing, InstanceState.Draining, InstanceState.Failed, InstanceState.Stopped],
        [InstanceState.Initializing] = [InstanceState.Ready, InstanceState.Draining, InstanceState.Failed, InstanceState.Stopped],
        [InstanceState.Ready] = [InstanceState.Busy, InstanceState.Frozen, InstanceState.Draining, InstanceState.Failed, InstanceState.Stopped],
        // A freeze that ends while a request holds a slot leaves it thawing for that request.
        [InstanceState.Busy] = [InstanceState.Ready, InstanceState.Thawing, InstanceState.Draining, InstanceState.Failed, InstanceState.Stopped],
        [InstanceState.Frozen] = [InstanceState.Thawing, InstanceState.Draining, InstanceState.Failed, InstanceState.Stopped],
        // Thawed: busy; or every request that waited for the thaw left first: frozen again.
        [InstanceState.Thawing] = [InstanceState.Busy, InstanceState.Frozen, InstanceState.Draining, InstanceState.Failed, InstanceState.Stopped],
        [InstanceState.Draining] = [InstanceState.Failed, InstanceState.Stopped],
        [InstanceState.Stopped] = [],
        [InstanceState.Failed] = [],
    };

    private readonly IInstanceMeter _meter;

    /// <summary>The runtime spawned it: its billing starts, as active time (start-up and hooks are billed active).</summary>
    public void Spawned(MeteredInstance metered, DateTimeOffset at) => _meter.Started(metered, at);

    /// <summary>The runtime gave its handle: from here it initializes (unless it was drained while it started).</summary>
    public void Launched(Runtime.IRuntimeInstance handle, DateTimeOffset at)
    {
        Handle = handle;
        if (State == InstanceState.Starting)
        {
            Enter(InstanceState.Initializing, at);
        }
    }

    /// <summary>The port answered and the initializer ran: it may take requests.</summary>
    public void BecameReady(DateTimeOffset at)
    {
        ReadyAt = at;
        Enter(InstanceState.Ready, at);
    }

    /// <summary>A request takes one of its slots (<paramref name="timestamp"/>: the dispatcher's clock). A thaw and the request are active time.</summary>
    public void TakeSlot(DateTimeOffset at, long timestamp)
    {
        if (InFlight == 0)
        {
            if (State == InstanceState.Frozen || Kind == InstanceKind.OnDemand)
            {
                _meter.Changed(Id, MeterState.Active, at);
            }

            BusySince = timestamp;
        }

        InFlight++;
        Enter(PhysicallyFrozen ? InstanceState.Thawing : InstanceState.Busy, at);
        LastUsedAt = at;
    }

    /// <summary>A request gave its slot back; <paramref name="busyTicks"/> is the busy period's length when it was the last one.</summary>
    public void ReleaseSlot(DateTimeOffset at, long busyTicks)
    {
        InFlight--;
        Completed++;
        LastUsedAt = at;
        if (InFlight == 0)
        {
            BusyTicks += busyTicks;
            if (State == InstanceState.Busy)
            {
                Enter(InstanceState.Ready, at);
            }
            else if (State == InstanceState.Thawing)
            {
                // The requests left before the thaw: still frozen, and billed idle again.
                Enter(InstanceState.Frozen, at);
                _meter.Changed(Id, MeterState.Idle, at);
            }
        }
    }

    /// <summary>
    /// No request is left for it: an on-demand instance's time is idle (billed at the idle price) from here. Just ready,
    /// it is idle even if a rollout began draining it meanwhile (<paramref name="evenIfDraining"/>).
    /// </summary>
    public void Settled(DateTimeOffset at, bool evenIfDraining = false)
    {
        if (InFlight == 0 && Kind == InstanceKind.OnDemand && (State == InstanceState.Ready || (evenIfDraining && State == InstanceState.Draining)))
        {
            _meter.Changed(Id, MeterState.Idle, at);
        }
    }

    /// <summary>The freezer stopped its processes; without a request waiting it is frozen, and billed idle.</summary>
    public void Froze(DateTimeOffset at)
    {
        PhysicallyFrozen = true;
        if (InFlight == 0 && State == InstanceState.Ready)
        {
            Enter(InstanceState.Frozen, at);
            _meter.Changed(Id, MeterState.Idle, at);
        }
        else if (State == InstanceState.Busy)
        {
            Enter(InstanceState.Thawing, at); // a request took a slot during the freeze and now waits for its thaw
        }
    }

    /// <summary>The freezer resumed its processes (the request that took a slot made it busy already).</summary>
    public void Thawed(DateTimeOffset at)
    {
        PhysicallyFrozen = false;
        if (State == InstanceState.Thawing)
        {
            Enter(InstanceState.Busy, at);
        }
    }

    /// <summary>It takes no new request; it stops when the last one is done.</summary>
    public void Drain(DateTimeOffset at) => Enter(InstanceState.Draining, at);

    /// <summary>It stopped as asked: its billing closes.</summary>
    public void Stopped(DateTimeOffset at)
    {
        StoppedAt = at;
        Enter(InstanceState.Stopped, at);
        _meter.Ended(Id, at);
    }

    /// <summary>It failed (its process died, a thaw failed, it was killed): why, and its billing closes.</summary>
    public void Failed(string error, DateTimeOffset at)
    {
        StoppedAt = at;
        Error = error;
        Enter(InstanceState.Failed, at);
        _meter.Ended(Id, at);
    }

    /// <summary>
    /// It never became ready: failed with <paramref name="error"/>, or stopped when the server was closing it
    /// (then the meter is closed by the server's shutdown, not here).
    /// </summary>
    public void StartFailed(string error, bool closing, DateTimeOffset at)
    {
        Error = error;
        Enter(closing ? InstanceState.Stopped : InstanceState.Failed, at);
        if (!closing)
        {
            _meter.Ended(Id, at);
        }
    }

    /// <summary>Its process is gone after a failed start (the state says why already): when.</summary>
    public void Gone(DateTimeOffset at) => StoppedAt = at;

    private void Enter(InstanceState state, DateTimeOffset at)
    {
        if (state != State && !Transitions[State].Contains(state))
        {
            throw new InvalidOperationException($"instance {Id} cannot go from {State} to {state}");
        }

        State = state;
        Timeline.Enter(TimelineStates.Of(state), at);
    }

    private sealed class NoMeter : IInstanceMeter
    {
        public static readonly NoMeter Instance = new();

        public void Started(MeteredInstance instance, DateTimeOffset at)
        {
        }

        public void Changed(string instanceId, MeterState state, DateTimeOffset at)
        {
        }

        public void Ended(string instanceId, DateTimeOffset at)
        {
        }
    }
}
