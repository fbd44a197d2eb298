using System.Text.Json.Nodes;
using Stasis.Client.Model;
using Stasis.Server.Autoscaling;

namespace Stasis.Server.Functions;

/// <summary>FC's ProvisionConfig rules: bounds, the one qualifier, the scaling policies, and which switch turns idle mode on.</summary>
internal static class ProvisionRules
{
    public const int MaxTarget = 10_000;
    public const string Latest = "LATEST";

    /// <summary>Errors of an input, each saying what to fix; empty when valid.</summary>
    public static List<string> Validate(ProvisionConfigInput input, string qualifier)
    {
        var errors = new List<string>();
        if (!string.Equals(qualifier, Latest, StringComparison.Ordinal))
        {
            errors.Add($"qualifier '{qualifier}' does not exist: Stasis functions have one qualifier, LATEST.");
        }

        if (input.DefaultTarget is not null && input.Target is not null && input.DefaultTarget != input.Target)
        {
            errors.Add("target and defaultTarget differ; give one of them.");
        }

        if (input.EffectiveTarget is < 0 or > MaxTarget)
        {
            errors.Add($"target {input.EffectiveTarget} is outside 0–{MaxTarget}.");
        }

        // Policies are checked whole: one bad field refuses the config, and nothing is stored.
        errors.AddRange(ScalingPolicyParser.Validate(input.TargetTrackingPolicies, input.ScheduledActions));

        return errors;
    }

    /// <summary>Applies an input over the current record (fields not given keep their value).</summary>
    public static ProvisionRecord Apply(ProvisionRecord? current, string function, string qualifier, ProvisionConfigInput input, DateTimeOffset now) => new(
        function,
        qualifier,
        input.EffectiveTarget ?? current?.DefaultTarget ?? 0,
        input.AlwaysAllocateCPU ?? current?.AlwaysAllocateCpu ?? true,
        input.AlwaysAllocateGPU ?? current?.AlwaysAllocateGpu ?? true,
        (JsonArray?)input.ScheduledActions?.DeepClone() ?? current?.ScheduledActions ?? [],
        (JsonArray?)input.TargetTrackingPolicies?.DeepClone() ?? current?.TargetTrackingPolicies ?? [],
        now);

    /// <summary>
    /// Idle mode is on when the switch for the function's kind of resource is off: alwaysAllocateGPU
    /// for a GPU function, alwaysAllocateCPU for a CPU-only one.
    /// </summary>
    public static bool IdleMode(ProvisionRecord record, FunctionSpec spec) =>
        HasGpu(spec) ? !record.AlwaysAllocateGpu : !record.AlwaysAllocateCpu;

    public static bool HasGpu(FunctionSpec spec) => (spec.GpuConfig?.GpuMemorySize ?? spec.GpuMemorySize ?? 0) > 0;
}
