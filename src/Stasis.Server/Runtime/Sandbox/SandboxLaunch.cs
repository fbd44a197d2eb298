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
    /// <summary>How an image instance runs; null for a command instance.</summary>
    public ImageSandbox? Image { get; init; }
    /// <summary>The instance's GPU (device nodes, and for an image the driver's files); null without one.</summary>
    public Gpu.ContainerEdits? Gpu { get; init; }
}

/// <summary>An image instance's root and process, as <see cref="OciBundle"/> writes them.</summary>
internal sealed record ImageSandbox
{
    /// <summary>Whether the bundle's <c>rootfs</c> is the instance's writable overlay (else the image's shared root, bound read-only).</summary>
    public required bool Writable { get; init; }
    public required long Uid { get; init; }
    public required long Gid { get; init; }
    public required string WorkingDirectory { get; init; }
    /// <summary>A static init on the host (tini) bound in as pid 1; null: the image's /bin/sh runs <see cref="OciBundle.Init"/>, or the function itself is pid 1.</summary>
    public string? InitBinary { get; init; }
    public bool HasShell { get; init; }
}
