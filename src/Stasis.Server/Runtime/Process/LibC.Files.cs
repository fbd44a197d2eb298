using System.Runtime.InteropServices;

namespace Stasis.Server.Runtime.Process;

/// <summary>File ownership and mounts, which .NET has no API for: statx, lchown, mount, umount2.</summary>
internal static partial class LibC
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;
    private const int MntDetach = 2;

    /// <summary>The owner, group and mode of a path (its link, not what it points to); false when it cannot be read.</summary>
    public static unsafe bool TryOwner(string path, out long uid, out long gid, out int mode)
    {
        // struct statx is the same on every architecture: stx_uid at 20, stx_gid at 24, stx_mode (u16) at 28.
        var buffer = stackalloc byte[256];
        if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, buffer) != 0)
        {
            uid = gid = -1;
            mode = 0;
            return false;
        }

        uid = *(uint*)(buffer + 20);
        gid = *(uint*)(buffer + 24);
        mode = *(ushort*)(buffer + 28) & 0xfff;
        return true;
    }

    /// <summary>Whether <paramref name="path"/> is a device node, and its kind and numbers (statx's stx_rdev_major at 128, stx_rdev_minor at 132).</summary>
    public static unsafe bool TryDevice(string path, out bool character, out long major, out long minor)
    {
        var buffer = stackalloc byte[256];
        character = false;
        major = minor = 0;
        if (Statx(AtFdCwd, path, 0, StatxBasicStats, buffer) != 0)
        {
            return false;
        }

        var type = *(ushort*)(buffer + 28) & 0xf000;
        character = type == 0x2000;
        major = *(uint*)(buffer + 128);
        minor = *(uint*)(buffer + 132);
        return character || type == 0x6000;
    }

    /// <summary>Gives a path (a link itself, never what it points to) to an owner and group; throws <see cref="IOException"/> on failure.</summary>
    public static void ChownNoFollow(string path, long uid, long gid)
    {
        if (Lchown(path, (uint)uid, (uint)gid) != 0)
        {
            throw new IOException($"lchown {path}: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>mount(2); throws <see cref="IOException"/> naming errno on failure.</summary>
    public static void Mount(string source, string target, string type, ulong flags, string? data)
    {
        if (MountCall(source, target, type, flags, data) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"mount -t {type} {source} {target}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }
    }

    /// <summary>Lazily unmounts <paramref name="target"/> (MNT_DETACH); true when it was a mount point and is no more.</summary>
    public static bool Unmount(string target)
    {
        if (Umount2(target, MntDetach) == 0)
        {
            return true;
        }

        return false; // EINVAL: not a mount point; ENOENT: not there
    }

    public const ulong MountReadOnly = 1;
    public const ulong MountNoSuid = 2;
    public const ulong MountNoDev = 4;
    public const ulong MountRemount = 32;
    public const ulong MountBind = 4096;

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Lchown(string path, uint owner, uint group);

    [LibraryImport("libc", EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MountCall(string source, string target, string type, ulong flags, string? data);

    [LibraryImport("libc", EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Umount2(string target, int flags);
}
