using Stasis.Server.Runtime.Cgroups;
using Stasis.Server.Runtime.Freezing;
using Stasis.Server.Runtime.Gpu;

namespace Stasis.Server.Runtime.Process;

/// <summary>For tests: what a <see cref="ProcessRuntime"/> uses instead of what it would detect.</summary>
internal sealed record HostOverrides
{
    /// <summary>A given cgroup layout (its scope wins over the options').</summary>
    public CgroupHost? Cgroups { get; init; }

    public bool NetworkIsolation { get; init; } = true;

    /// <summary>A freezer further down the chain than the host would choose.</summary>
    public FreezerKind? Freezer { get; init; }

    public GpuTools? Gpu { get; init; }
}
