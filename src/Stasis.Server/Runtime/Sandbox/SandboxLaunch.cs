namespace Stasis.Server.Runtime.Sandbox;

/// <summary>What one sandboxed instance is made of, beyond its <see cref="InstanceLaunch"/>.</summary>
internal sealed record SandboxLaunch
{
    public required string BundleDirectory { get; init; }
    public required UidRange Ids { get; init; }
    public required string NetworkNamespacePath { get; init; }
    /// <summary>Relative to the server's own groups in each hierarchy (as <see cref="Cgroups.CgroupHost"/> makes them), so runc joins the groups that carry the limits.</summary>
    public required string CgroupsPath { get; init; }
    public required int PidsLimit { get; init; }
}
