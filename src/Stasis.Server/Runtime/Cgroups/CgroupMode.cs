namespace Stasis.Server.Runtime.Cgroups;

/// <summary>How the cgroup hierarchies are laid out on this host.</summary>
public enum CgroupMode
{
    /// <summary>No usable cgroup hierarchy: no limits, no cgroup-based kill or freeze.</summary>
    None,
    /// <summary>Only cgroup v1 controller hierarchies.</summary>
    V1,
    /// <summary>v1 controllers plus a controller-less v2 tree (for <c>cgroup.freeze</c> and <c>cgroup.kill</c>).</summary>
    Hybrid,
    /// <summary>A single v2 hierarchy that carries the controllers.</summary>
    V2,
}
