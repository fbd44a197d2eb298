using Stasis.Client.Model;
using Stasis.Server.Metering;
using Stasis.Server.Runtime;

namespace Stasis.Server.Instances;

/// <summary>
/// One instance of a function. Mutable state is guarded by the owning dispatcher's lock; the
/// dispatcher is the only writer. Its state changes only through its lifecycle events
/// (<c>Instance.Lifecycle.cs</c>), which check the transition, write its <see cref="Timeline"/> and its meter.
/// </summary>
internal sealed partial class Instance
{
    public Instance(string id, string functionName, long version, int slots, DateTimeOffset startedAt, string logPath, InstanceKind kind = InstanceKind.OnDemand,
        IInstanceMeter? meter = null)
    {
        _meter = meter ?? NoMeter.Instance;
        Kind = kind;
        Id = id;
        FunctionName = functionName;
        Version = version;
        Slots = slots;
        StartedAt = startedAt;
        LogPath = logPath;
        Timeline = new StateTimeline(TimelineState.Starting, startedAt);
    }

    public string Id { get; }
    /// <summary>Provisioned instances are kept by the provision target and never reaped for idleness.</summary>
    public InstanceKind Kind { get; }
    /// <summary>Set when idle mode was switched: the instance is replaced and then drained.</summary>
    public bool Retired { get; set; }

    /// <summary>Serialises freeze and thaw of this instance.</summary>
    public AsyncGate FreezeLock { get; init; } = new();

    /// <summary>
    /// True from the moment a freeze begins until the thaw after it ends: a request that takes a
    /// slot while this is set must thaw the instance (under <see cref="FreezeLock"/>) before it is sent.
    /// </summary>
    public volatile bool FreezeEngaged;

    /// <summary>The processes are stopped by the freezer right now.</summary>
    public bool PhysicallyFrozen { get; private set; }

    /// <summary>Its states over the last hour (the timeline API).</summary>
    public StateTimeline Timeline { get; }

    public long Thaws { get; set; }
    public string FunctionName { get; }
    /// <summary>Version of the function spec this instance runs.</summary>
    public long Version { get; }
    /// <summary>instanceConcurrency of that spec.</summary>
    public int Slots { get; }
    public string LogPath { get; }
    public DateTimeOffset StartedAt { get; }

    private IRuntimeInstance? _handle;

    public InstanceState State { get; private set; } = InstanceState.Starting;

    /// <summary>
    /// The state as the instances API shows it: <see cref="State"/>, except <c>Thawing</c> while a request that took a
    /// slot waits for the instance's processes to be thawed (busy, and still frozen).
    /// </summary>
    public string StateName => State.ToString();
    public IRuntimeInstance? Handle
    {
        get => _handle;
        set
        {
            _handle = value;
            DestinationPrefix = value?.BaseAddress.ToString() ?? "";
        }
    }

    /// <summary>The handle's base address as the forwarder wants it, formatted once.</summary>
    public string DestinationPrefix { get; private set; } = "";
    public int InFlight { get; private set; }
    public long Completed { get; private set; }

    /// <summary>Sessions this instance holds (session affinity); it takes no new one beyond sessionConcurrencyPerInstance.</summary>
    public int Sessions { get; set; }

    /// <summary>Requests bound to this instance on arrival (policies other than join-idle-queue), oldest first.</summary>
    public LinkedList<Scheduling.QueuedRequest> Backlog { get; } = new();

    /// <summary>Time with at least one request in flight before the current busy period (ticks of the dispatcher's clock).</summary>
    public long BusyTicks { get; private set; }

    /// <summary>Timestamp at which the current busy period began (InFlight went from 0 to 1).</summary>
    public long BusySince { get; private set; }

    /// <summary>Time with at least one request in flight, the current busy period included.</summary>
    public TimeSpan BusyTime(TimeProvider time) =>
        TimeSpan.FromTicks(BusyTicks) + (InFlight > 0 ? time.GetElapsedTime(BusySince) : TimeSpan.Zero);
    public DateTimeOffset? ReadyAt { get; private set; }
    public DateTimeOffset? StoppedAt { get; private set; }
    public DateTimeOffset? LastUsedAt { get; private set; }
    public string? Error { get; private set; }
    /// <summary>The digest of the image the instance runs; null for a command instance.</summary>
    public string? Image { get; set; }

    public int FreeSlots => State.CanServe() ? Slots - InFlight : 0;

    /// <summary>The instance as the API shows it; with <paramref name="time"/>, its busy time and share up to now.</summary>
    public InstanceInfo ToInfo(TimeProvider? time = null)
    {
        var busy = time is null ? TimeSpan.FromTicks(BusyTicks) : BusyTime(time);
        var alive = ReadyAt is { } ready && time is not null ? (StoppedAt ?? time.GetUtcNow()) - ready : TimeSpan.Zero;
        return ToInfo(busy, alive > TimeSpan.Zero ? Math.Min(1, busy / alive) : null);
    }

    private InstanceInfo ToInfo(TimeSpan busy, double? busyShare) => new()
    {
        Id = Id,
        FunctionName = FunctionName,
        State = StateName,
        Kind = Kind == InstanceKind.Provisioned ? "provisioned" : "on-demand",
        Version = Version,
        Pid = Handle?.ProcessId,
        InFlight = InFlight,
        Slots = Slots,
        Completed = Completed,
        Queued = Backlog.Count,
        Sessions = Sessions,
        BusyMs = (long)busy.TotalMilliseconds,
        BusyShare = busyShare,
        StartedAt = StartedAt,
        ReadyAt = ReadyAt,
        StoppedAt = StoppedAt,
        LastUsedAt = LastUsedAt,
        Error = Error,
        LogPath = LogPath,
        Image = Image,
    };
}
