using System.Text.Json.Nodes;

namespace Stasis.Server.Functions;

/// <summary>A stored provision config (FC's ProvisionConfig) for one function and qualifier.</summary>
internal sealed record ProvisionRecord(
    string FunctionName,
    string Qualifier,
    int DefaultTarget,
    bool AlwaysAllocateCpu,
    bool AlwaysAllocateGpu,
    JsonArray ScheduledActions,
    JsonArray TargetTrackingPolicies,
    DateTimeOffset UpdatedAt);
