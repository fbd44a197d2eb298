using Stasis.Client.Model;
using Stasis.Server.Metering;
using Stasis.Server.Runtime;

namespace Stasis.Server.Instances;

/// <summary>
/// One instance of a function. Mutable state is guarded by the owning dispatcher's lock; the
/// dispatcher is the only writer.
/// </summary>
internal sealed class Instance
{
    public Instance(string id, string functionName, long version, int slots, DateTimeOffset startedAt, string logPath, InstanceKind kind = InstanceKind.OnDemand)
    {
        Kind = kind;
        Id = id;
        FunctionName = functionName;
        Version = version;
        Slots = slots;
        StartedAt = startedAt;
        LogPath = logPath;
    }

    public string Id { get; }
    /// <summary>Provisioned instances are kept by the provision target and never reaped for idleness.</summary>
    public InstanceKind Kind { get; }
    /// <summary>Set when idle mode was switched: the instance is replaced and then drained.</summary>
    public bool Retired { get; set; }

    /// <summary>Serialises freeze and thaw of this instance.</summary>
    public SemaphoreSlim FreezeLock { get; } = new(1, 1);

    /// <summary>
    /// True from the moment a freeze begins until the thaw after it ends: a request that takes a
    /// slot while this is set must thaw the instance (under <see cref="FreezeLock"/>) before it is sent.
    /// </summary>
    public volatile bool FreezeEngaged;

    /// <summary>The processes are stopped by the freezer right now.</summary>
    public bool PhysicallyFrozen { get; set; }

    public long Thaws { get; set; }
    public string FunctionName { get; }
    /// <summary>Version of the function spec this instance runs.</summary>
    public long Version { get; }
    /// <summary>instanceConcurrency of that spec.</summary>
    public int Slots { get; }
    public string LogPath { get; }
    public DateTimeOffset StartedAt { get; }

    private IRuntimeInstance? _handle;

    public InstanceState State { get; set; } = InstanceState.Starting;
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
    public int InFlight { get; set; }
    public long Completed { get; set; }
    public DateTimeOffset? ReadyAt { get; set; }
    public DateTimeOffset? StoppedAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
    public string? Error { get; set; }

    public int FreeSlots => State.CanServe() ? Slots - InFlight : 0;

    public InstanceInfo ToInfo() => new()
    {
        Id = Id,
        FunctionName = FunctionName,
        State = State.ToString(),
        Kind = Kind == InstanceKind.Provisioned ? "provisioned" : "on-demand",
        Version = Version,
        Pid = Handle?.ProcessId,
        InFlight = InFlight,
        Slots = Slots,
        Completed = Completed,
        StartedAt = StartedAt,
        ReadyAt = ReadyAt,
        StoppedAt = StoppedAt,
        LastUsedAt = LastUsedAt,
        Error = Error,
        LogPath = LogPath,
    };
}
