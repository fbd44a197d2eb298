using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Stasis.Client.Model;

/// <summary>
/// FC's ProvisionConfig for one function and qualifier, as the control API takes it
/// (<c>PUT /api/v1/functions/{name}/provision</c>) and as s.yaml's <c>provisionConfig</c> gives it.
/// Unset fields keep their current value on update.
/// </summary>
public sealed record ProvisionConfigInput
{
    /// <summary>Provisioned instances wanted when no policy applies (0–10000).</summary>
    public int? DefaultTarget { get; init; }

    /// <summary>FC's older name for <see cref="DefaultTarget"/>.</summary>
    public int? Target { get; init; }

    /// <summary>false = idle mode for CPU-only functions: an instance with no request is frozen.</summary>
    public bool? AlwaysAllocateCPU { get; init; }

    /// <summary>false = idle mode for GPU functions.</summary>
    public bool? AlwaysAllocateGPU { get; init; }

    public JsonArray? ScheduledActions { get; init; }

    public JsonArray? TargetTrackingPolicies { get; init; }

    [JsonIgnore]
    public int? EffectiveTarget => DefaultTarget ?? Target;
}

/// <summary>A function's provision config and its status, as <c>provision get/list</c> show it.</summary>
public sealed record ProvisionInfo
{
    public required string FunctionName { get; init; }
    public string Qualifier { get; init; } = "LATEST";
    /// <summary>FC-style resource name.</summary>
    public required string Resource { get; init; }
    public int Target { get; init; }
    public int DefaultTarget { get; init; }
    /// <summary>Provisioned instances that are ready (warm or frozen).</summary>
    public int Current { get; init; }
    public string? CurrentError { get; init; }
    /// <summary>Why the target is what it is: the autoscaler's last reason (a policy, a scheduled action, or defaultTarget).</summary>
    public string? Reason { get; init; }
    public bool AlwaysAllocateCPU { get; init; } = true;
    public bool AlwaysAllocateGPU { get; init; } = true;
    /// <summary>Whether this function's provisioned instances are frozen when idle.</summary>
    public bool IdleMode { get; init; }
    /// <summary>Provisioned instances frozen right now.</summary>
    public int Frozen { get; init; }
    public JsonArray ScheduledActions { get; init; } = new();
    public JsonArray TargetTrackingPolicies { get; init; } = new();
    /// <summary>What the put did otherwise than its fields may suggest (alwaysAllocateCPU on a GPU function, say).</summary>
    public IReadOnlyList<string> Notices { get; init; } = [];
}
