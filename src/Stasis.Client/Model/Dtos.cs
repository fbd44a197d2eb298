using System.Text.Json.Serialization;

namespace Stasis.Client.Model;

/// <summary>Every error the control API and the gateway return: <c>{"code": "...", "message": "..."}</c>.</summary>
public sealed record ErrorBody(string Code, string Message)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? RequestId { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? Details { get; init; }
}

/// <summary>A function as the control API returns it.</summary>
public sealed record FunctionInfo
{
    public required FunctionSpec Spec { get; init; }
    public required long Version { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    public required string Url { get; init; }
    public List<TriggerInfo> Triggers { get; init; } = new();
    public List<string> Warnings { get; init; } = new();
    public InstanceCounts Instances { get; init; } = new();
    /// <summary>Set when a new instance of the latest version failed to start while older ones still serve.</summary>
    public string? RolloutError { get; init; }
    /// <summary>The last instance failure (start or crash), for a quick diagnosis.</summary>
    public string? LastInstanceError { get; init; }
    /// <summary>Requests waiting for a free slot right now.</summary>
    public int Queued { get; init; }
    /// <summary>The function's placement policy in effect.</summary>
    public string SchedulingPolicy { get; init; } = SchedulingPolicyNames.Default;
    /// <summary>How long its recent requests waited for a slot; null before the first request.</summary>
    public QueueWaitInfo? QueueWait { get; init; }
}

/// <summary>Queue wait of a function's last <see cref="Samples"/> requests, in milliseconds.</summary>
public sealed record QueueWaitInfo
{
    public int Samples { get; init; }
    public double P50Ms { get; init; }
    public double P90Ms { get; init; }
    public double P99Ms { get; init; }
    public double MaxMs { get; init; }
    /// <summary>Requests since the server started.</summary>
    public long Requests { get; init; }
    /// <summary>Of those, how many found no free slot and waited.</summary>
    public long Waited { get; init; }
}

public sealed record TriggerInfo(string TriggerName, string TriggerType, string AuthType, List<string> Methods, string Url);

public sealed record InstanceCounts
{
    public int Starting { get; init; }
    public int Ready { get; init; }
    public int Busy { get; init; }
    public int Frozen { get; init; }
    public int Draining { get; init; }
    public int Failed { get; init; }
    /// <summary>Instances still running an older version of the spec (a rollout is in progress).</summary>
    public int Outdated { get; init; }
}

/// <summary>One instance as the control API returns it.</summary>
public sealed record InstanceInfo
{
    public required string Id { get; init; }
    public required string FunctionName { get; init; }
    public required string State { get; init; }
    /// <summary>provisioned or on-demand.</summary>
    public string Kind { get; init; } = "on-demand";
    public required long Version { get; init; }
    public int? Pid { get; init; }
    public int InFlight { get; init; }
    public int Slots { get; init; }
    public long Completed { get; init; }
    /// <summary>Requests bound to this instance and waiting for its slot (policies other than join-idle-queue).</summary>
    public int Queued { get; init; }
    /// <summary>Milliseconds with at least one request in flight.</summary>
    public long BusyMs { get; init; }
    /// <summary>Busy time ÷ time since it was ready (0–1); null before it was ready.</summary>
    public double? BusyShare { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? ReadyAt { get; init; }
    public DateTimeOffset? StoppedAt { get; init; }
    public DateTimeOffset? LastUsedAt { get; init; }
    public string? Error { get; init; }
    public string? LogPath { get; init; }
}

/// <summary>The answer to a deploy (PUT /api/v1/functions/{name}).</summary>
public sealed record DeployResult
{
    public required FunctionInfo Function { get; init; }
    /// <summary>created, updated or unchanged.</summary>
    public required string Outcome { get; init; }
}

public sealed record ServerStatus
{
    public required string Version { get; init; }
    public required string Listen { get; init; }
    public required string DataDirectory { get; init; }
    public required string Runtime { get; init; }
    public Dictionary<string, string> RuntimeDetails { get; init; } = new();
    public int Functions { get; init; }
    public int Instances { get; init; }
    /// <summary>Most instances the server lets live at once (<c>--max-instances-total</c>); null from a server that has no such limit.</summary>
    public int? MaxInstancesTotal { get; init; }
}
