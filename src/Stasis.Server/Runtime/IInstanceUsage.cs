namespace Stasis.Server.Runtime;

/// <summary>
/// A running instance that can tell what it uses (the process runtime reads its cgroups). Optional: a runtime
/// instance without it has no CPU or memory figures, and the metrics report them as unavailable.
/// </summary>
public interface IInstanceUsage
{
    /// <summary>What the instance has used so far; fields the host cannot tell are null.</summary>
    InstanceUsage ReadUsage();

    /// <summary>Every process of the instance right now (to match per-process GPU memory); empty when unknown.</summary>
    IReadOnlyCollection<int> ProcessIds();
}

/// <summary>
/// <paramref name="CpuTime"/>: CPU time of all the instance's processes since it started (user + system, every core),
/// or null. <paramref name="MemoryBytes"/>: memory charged to it now, or null.
/// </summary>
public readonly record struct InstanceUsage(TimeSpan? CpuTime, long? MemoryBytes);
