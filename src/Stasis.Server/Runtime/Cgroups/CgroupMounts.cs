namespace Stasis.Server.Runtime.Cgroups;

/// <summary>
/// Where this process sits in each cgroup hierarchy, read from <c>/proc/self/mountinfo</c> and
/// <c>/proc/self/cgroup</c>. Instance groups are created below the server's own groups (not at the
/// hierarchy root), so limits the host put on the server also bound its instances.
/// </summary>
internal sealed class CgroupMounts
{
    private CgroupMounts(string? unifiedDirectory, IReadOnlyDictionary<string, string> v1Directories)
    {
        UnifiedDirectory = unifiedDirectory;
        V1Directories = v1Directories;
    }

    /// <summary>The server's own group in the cgroup v2 hierarchy, e.g. <c>/sys/fs/cgroup/unified</c>, or null.</summary>
    public string? UnifiedDirectory { get; }

    /// <summary>Controller name (cpu, memory, ...) to the server's own group in that v1 hierarchy.</summary>
    public IReadOnlyDictionary<string, string> V1Directories { get; }

    public static CgroupMounts Read(string procSelf = "/proc/self")
    {
        var mountInfo = SafeReadLines(Path.Combine(procSelf, "mountinfo"));
        var membership = SafeReadLines(Path.Combine(procSelf, "cgroup"));
        return Parse(mountInfo, membership);
    }

    /// <summary>Where another process sits: its groups, found through this process's mounts.</summary>
    public static CgroupMounts ReadFor(int pid) =>
        Parse(SafeReadLines("/proc/self/mountinfo"), SafeReadLines($"/proc/{pid}/cgroup"));

    internal static CgroupMounts Parse(IEnumerable<string> mountInfo, IEnumerable<string> membership)
    {
        // /proc/self/cgroup: "hierarchy-id:controller,list:/path"; "0::/path" is the v2 hierarchy.
        string? unifiedPath = null;
        var v1Paths = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in membership)
        {
            var parts = line.Split(':', 3);
            if (parts.Length != 3)
            {
                continue;
            }

            if (parts[0] == "0" && parts[1].Length == 0)
            {
                unifiedPath = parts[2];
                continue;
            }

            foreach (var controller in parts[1].Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                v1Paths[controller] = parts[2];
            }
        }

        string? unifiedDirectory = null;
        var v1Directories = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in mountInfo)
        {
            // "id parent major:minor root mountpoint options [optional...] - fstype source superoptions"
            var separator = line.IndexOf(" - ", StringComparison.Ordinal);
            if (separator < 0)
            {
                continue;
            }

            var head = line[..separator].Split(' ');
            var tail = line[(separator + 3)..].Split(' ');
            if (head.Length < 5 || tail.Length < 3)
            {
                continue;
            }

            var root = head[3];
            var mountPoint = Unescape(head[4]);
            if (tail[0] == "cgroup2" && unifiedDirectory is null && unifiedPath is not null)
            {
                unifiedDirectory = Combine(mountPoint, root, unifiedPath);
            }
            else if (tail[0] == "cgroup")
            {
                foreach (var option in tail[2].Split(','))
                {
                    if (v1Paths.TryGetValue(option, out var path) && !v1Directories.ContainsKey(option))
                    {
                        v1Directories[option] = Combine(mountPoint, root, path);
                    }
                }
            }
        }

        return new CgroupMounts(unifiedDirectory, v1Directories);
    }

    // A mount whose root is not "/" (a container without a cgroup namespace) shows the full path in
    // /proc/self/cgroup; the part below the mount's root is what lies under the mount point.
    private static string Combine(string mountPoint, string root, string path)
    {
        var relative = path;
        if (root != "/" && (path == root || path.StartsWith(root + "/", StringComparison.Ordinal)))
        {
            relative = path[root.Length..];
        }

        relative = relative.Trim('/');
        return relative.Length == 0 ? mountPoint : Path.Combine(mountPoint, relative);
    }

    private static string Unescape(string field) =>
        field.Replace("\\040", " ", StringComparison.Ordinal).Replace("\\011", "\t", StringComparison.Ordinal)
            .Replace("\\012", "\n", StringComparison.Ordinal).Replace("\\134", "\\", StringComparison.Ordinal);

    private static string[] SafeReadLines(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (IOException)
        {
            return [];
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }
    }
}
