using Stasis.Server.Runtime.Process;

namespace Stasis.Server.Runtime.Sandbox;

/// <summary>
/// An image instance's own writable layer: an overlay whose lower layer is the image's shared, unpacked root
/// file system and whose upper layer is a tmpfs of the instance's <c>diskSize</c> (<c>BUNDLE/layer</c>), mounted
/// at <c>BUNDLE/rootfs</c>. What the instance writes lands in its tmpfs (charged to its memory group as it
/// writes) and goes when it stops; the image's files are never written. Where the kernel refuses the overlay,
/// <see cref="Mount"/> says so and <see cref="BindReadOnly"/> puts the image itself at <c>BUNDLE/rootfs</c>,
/// read-only, for an instance with tmpfs on its usual writable paths.
/// </summary>
internal static class WritableLayer
{
    public const string LayerDirectory = "layer";

    /// <summary>Writable paths of an instance that runs on the read-only image (no overlay here).</summary>
    public static readonly string[] FallbackWritablePaths = ["/tmp", "/run", "/var/tmp"];

    /// <summary>Mounts the overlay; false (and nothing left mounted) where the host has no overlay for it.</summary>
    public static bool Mount(string bundle, string lower, int diskSizeMb, UidRange ids, out string? problem)
    {
        problem = null;
        if (lower.Contains(',', StringComparison.Ordinal) || lower.Contains(':', StringComparison.Ordinal) || bundle.Contains(',', StringComparison.Ordinal) || bundle.Contains(':', StringComparison.Ordinal))
        {
            problem = $"an overlay cannot name paths with ',' or ':' ({lower}); give the image store and run directory plain paths";
            return false;
        }

        var layer = Path.Combine(bundle, LayerDirectory);
        var rootfs = Path.Combine(bundle, "rootfs");
        Directory.CreateDirectory(layer);
        Directory.CreateDirectory(rootfs);
        try
        {
            LibC.Mount("tmpfs", layer, "tmpfs", LibC.MountNoSuid | LibC.MountNoDev, $"size={diskSizeMb}m,mode=0700");
        }
        catch (IOException e)
        {
            problem = e.Message;
            return false;
        }

        try
        {
            var upper = Path.Combine(layer, "upper");
            var work = Path.Combine(layer, "work");
            Directory.CreateDirectory(upper);
            Directory.CreateDirectory(work);
            // The root of the overlay takes the upper directory's owner and mode: the image root's.
            if (LibC.TryOwner(lower, out var uid, out var gid, out var mode))
            {
                LibC.ChownNoFollow(upper, uid, gid);
                FileModes.Set(upper, (UnixFileMode)mode);
            }
            else
            {
                LibC.ChownNoFollow(upper, ids.Start, ids.Start);
            }

            LibC.Mount("overlay", rootfs, "overlay", LibC.MountNoSuid | LibC.MountNoDev, $"lowerdir={lower},upperdir={upper},workdir={work}");
            return true;
        }
        catch (IOException e)
        {
            problem = e.Message;
            LibC.Unmount(layer);
            return false;
        }
    }

    /// <summary>
    /// Binds the image's shared root read-only at <c>BUNDLE/rootfs</c> (no overlay here). The bind is the
    /// server's, made as host root: the instance's runc, in its user namespace, could not reach the store.
    /// </summary>
    public static void BindReadOnly(string bundle, string lower)
    {
        var rootfs = Path.Combine(bundle, "rootfs");
        Directory.CreateDirectory(rootfs);
        LibC.Mount(lower, rootfs, "none", LibC.MountBind, null);
        try
        {
            LibC.Mount("none", rootfs, "none", LibC.MountBind | LibC.MountRemount | LibC.MountReadOnly | LibC.MountNoSuid | LibC.MountNoDev, null);
        }
        catch (IOException)
        {
            LibC.Unmount(rootfs);
            throw;
        }
    }

    /// <summary>Unmounts what <see cref="Mount"/> mounted under <paramref name="bundle"/>, if anything; never throws.</summary>
    public static void Unmount(string bundle)
    {
        LibC.Unmount(Path.Combine(bundle, "rootfs"));
        LibC.Unmount(Path.Combine(bundle, LayerDirectory));
    }
}
