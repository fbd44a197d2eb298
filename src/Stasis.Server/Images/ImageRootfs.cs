using System.Globalization;
using Stasis.Server.Runtime.Sandbox;

namespace Stasis.Server.Images;

/// <summary>
/// Reads an unpacked image's root file system as the instance will see it: paths resolve inside it
/// (an absolute symbolic link points into the image, never the host), users come from its
/// <c>/etc/passwd</c> and <c>/etc/group</c>. Whatever the image holds is untrusted; nothing here
/// follows a link out of it or writes through one.
/// </summary>
internal static class ImageRootfs
{
    private const int MaxLinks = 40;

    /// <summary>The file the init of an image instance is bound onto (made at unpack, so a read-only root needs no new entry).</summary>
    public const string InitPath = "/.stasis-init";

    /// <summary>
    /// Makes the entries the sandbox mounts onto where the image lacks them, owned by the function's root:
    /// only where every directory on the way is a real one (a link is left for runc, which resolves it inside).
    /// </summary>
    public static void PrepareMountPoints(string rootfs, UidRange ids)
    {
        foreach (var dir in new[] { "proc", "dev", "tmp", "etc", "run", "var/tmp" })
        {
            if (RealPath(rootfs, dir) is { } path && !Exists(path))
            {
                Directory.CreateDirectory(path);
                FileModes.Set(path, dir is "tmp" or "var/tmp"
                    ? (UnixFileMode)Convert.ToInt32("1777", 8)
                    : (UnixFileMode)Convert.ToInt32("755", 8));
                Chown(path, ids);
            }
        }

        foreach (var file in new[] { "etc/hosts", "etc/hostname", "etc/resolv.conf", InitPath.TrimStart('/') })
        {
            if (RealPath(rootfs, file) is { } path && !Exists(path))
            {
                File.WriteAllBytes(path, []);
                FileModes.Set(path, (UnixFileMode)Convert.ToInt32("644", 8));
                Chown(path, ids);
            }
        }
    }

    /// <summary>The host path of <paramref name="path"/> inside <paramref name="rootfs"/>, links followed within it; null when it does not exist.</summary>
    public static string? Resolve(string rootfs, string path)
    {
        var root = Path.TrimEndingDirectorySeparator(rootfs);
        var pending = new Stack<string>(Split(path).Reverse());
        var current = new List<string>();
        var links = 0;
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part == "..")
            {
                if (current.Count > 0)
                {
                    current.RemoveAt(current.Count - 1);
                }

                continue;
            }

            var candidate = Path.Combine(root, Path.Combine([.. current, part]));
            FileSystemInfo info = new FileInfo(candidate);
            if (!info.Exists && !Directory.Exists(candidate) && info.LinkTarget is null)
            {
                return null;
            }

            if (info.LinkTarget is { } target)
            {
                if (++links > MaxLinks)
                {
                    return null;
                }

                if (target.StartsWith('/'))
                {
                    current.Clear();
                }

                foreach (var segment in Split(target).Reverse())
                {
                    pending.Push(segment);
                }

                continue;
            }

            current.Add(part);
        }

        return current.Count == 0 ? root : Path.Combine(root, Path.Combine([.. current]));
    }

    /// <summary>An executable's host path: <paramref name="name"/> with a slash resolved from <paramref name="workingDir"/>, else looked up in <paramref name="searchPath"/>; null when there is none.</summary>
    public static string? FindExecutable(string rootfs, string name, string workingDir, string searchPath)
    {
        if (name.Contains('/', StringComparison.Ordinal))
        {
            var path = Resolve(rootfs, name.StartsWith('/') ? name : $"{workingDir.TrimEnd('/')}/{name}");
            return path is not null && Runtime.Process.HostTools.IsExecutableFile(path) ? path : null;
        }

        foreach (var dir in searchPath.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (Resolve(rootfs, $"{dir.TrimEnd('/')}/{name}") is { } path && Runtime.Process.HostTools.IsExecutableFile(path))
            {
                return path;
            }
        }

        return null;
    }

    /// <summary>
    /// The uid and gid an image's <c>User</c> (<c>name</c>, <c>uid</c>, <c>name:group</c>, <c>uid:gid</c>; empty is root)
    /// runs as, from the image's own account files; null and a problem when it names an account the image lacks.
    /// </summary>
    public static (long Uid, long Gid)? User(string rootfs, string user, out string? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(user))
        {
            return (0, 0);
        }

        var parts = user.Split(':', 2);
        var passwd = Entries(rootfs, "/etc/passwd");
        long uid;
        long? gid = null;
        if (long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var numeric))
        {
            uid = numeric;
            var entry = passwd.FirstOrDefault(e => e.Length > 3 && e[2] == parts[0]);
            if (entry is not null && long.TryParse(entry[3], NumberStyles.None, CultureInfo.InvariantCulture, out var g))
            {
                gid = g;
            }
        }
        else
        {
            var entry = passwd.FirstOrDefault(e => e.Length > 3 && e[0] == parts[0]);
            if (entry is null || !long.TryParse(entry[2], NumberStyles.None, CultureInfo.InvariantCulture, out uid))
            {
                problem = $"user '{parts[0]}' is not in the image's /etc/passwd";
                return null;
            }

            gid = long.TryParse(entry[3], NumberStyles.None, CultureInfo.InvariantCulture, out var g) ? g : null;
        }

        if (parts.Length == 2)
        {
            if (long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var g))
            {
                gid = g;
            }
            else
            {
                var group = Entries(rootfs, "/etc/group").FirstOrDefault(e => e.Length > 2 && e[0] == parts[1]);
                if (group is null || !long.TryParse(group[2], NumberStyles.None, CultureInfo.InvariantCulture, out g))
                {
                    problem = $"group '{parts[1]}' is not in the image's /etc/group";
                    return null;
                }

                gid = g;
            }
        }

        if (uid >= UidRanges.RangeSize || (gid ?? 0) >= UidRanges.RangeSize)
        {
            problem = $"user '{user}' has an id over {UidRanges.RangeSize - 1}, the highest an instance's user namespace maps";
            return null;
        }

        return (uid, gid ?? uid);
    }

    /// <summary>
    /// Whether the image's user (<paramref name="uid"/>, <paramref name="gid"/>) may list and enter <paramref name="hostPath"/>,
    /// by its owner, group and mode (ids as inside: host ids less <paramref name="ids"/>' start). Root may always.
    /// </summary>
    public static bool CanEnter(string hostPath, long uid, long gid, UidRange ids)
    {
        if (uid == 0)
        {
            return true;
        }

        if (!Runtime.Process.LibC.TryOwner(hostPath, out var ownerUid, out var ownerGid, out var mode))
        {
            return false;
        }

        var owner = ownerUid - ids.Start;
        var group = ownerGid - ids.Start;
        var bits = owner == uid ? (mode >> 6) & 7 : group == gid ? (mode >> 3) & 7 : mode & 7;
        return (bits & 5) == 5;
    }

    private static List<string[]> Entries(string rootfs, string file)
    {
        if (Resolve(rootfs, file) is not { } path || !File.Exists(path))
        {
            return [];
        }

        try
        {
            var info = new FileInfo(path);
            if (info.Length > 4 << 20)
            {
                return [];
            }

            return File.ReadLines(path).Where(l => l.Length > 0 && l[0] != '#').Select(l => l.Split(':')).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    // The host path of a relative path whose every directory on the way is a real directory of the rootfs
    // (the last entry may be missing); null when a link is on the way.
    private static string? RealPath(string rootfs, string relative)
    {
        var current = rootfs;
        var parts = Split(relative).ToArray();
        for (var i = 0; i < parts.Length; i++)
        {
            if (parts[i] == "..")
            {
                return null;
            }

            current = Path.Combine(current, parts[i]);
            var info = new FileInfo(current);
            if (info.LinkTarget is not null)
            {
                return null;
            }

            if (i < parts.Length - 1 && !Directory.Exists(current))
            {
                return null;
            }
        }

        return current;
    }

    private static bool Exists(string path) => File.Exists(path) || Directory.Exists(path) || new FileInfo(path).LinkTarget is not null;

    private static void Chown(string path, UidRange ids) => Runtime.Process.LibC.ChownNoFollow(path, ids.Start, ids.Start);

    private static IEnumerable<string> Split(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".");
}
