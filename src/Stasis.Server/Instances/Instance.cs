using Stasis.Client.Model;
using Stasis.Server.Runtime;

namespace Stasis.Server.Instances;

/// <summary>
/// One instance of a function. Mutable state is guarded by the owning dispatcher's lock; the
/// dispatcher is the only writer.
/// </summary>
internal sealed class Instance
{
    public Instance(string id, string functionName, long version, int slots, DateTimeOffset startedAt, string logPath)
    {
        Id = id;
        FunctionName = functionName;
        Version = version;
        Slots = slots;
        StartedAt = startedAt;
        LogPath = logPath;
    }

    public string Id { get; }
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
