using Stasis.Server.Runtime.Process;

namespace Stasis.Server.Runtime.Cgroups;

/// <summary>
/// The instance groups that a killed server left in its scope (<c>stasis/&lt;scope&gt;/*</c>), and how
/// they are emptied and removed. The groups are the only record that survives the server: its
/// processes were reparented to init, and nothing else names them.
/// </summary>
internal static class OrphanGroups
{
    private static readonly TimeSpan KillBound = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>Names of the instance groups in the scope, in any hierarchy.</summary>
    public static List<string> List(CgroupHost host)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var scope in host.ScopeDirectories)
        {
            try
            {
                names.UnionWith(Directory.EnumerateDirectories(scope).Select(Path.GetFileName).OfType<string>());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The scope vanished or cannot be read: nothing to find there.
            }
        }

        return [.. names];
    }

    /// <summary>Thaws, kills and removes one orphan's groups; returns the pids that survived (none, normally).</summary>
    public static async Task<IReadOnlyCollection<int>> StopAsync(CgroupHost host, string name, TimeProvider time)
    {
        var groups = Groups(host, name);
        // Frozen processes would not die (v1) or not be reaped promptly; SIGSTOPped ones die of SIGKILL anyway.
        foreach (var group in groups)
        {
            Thaw(group);
        }

        var started = time.GetTimestamp();
        HashSet<int> left;
        while (true)
        {
            left = [.. groups.SelectMany(CgroupFiles.ReadPids)];
            if (left.Count == 0 || time.GetElapsedTime(started) >= KillBound)
            {
                break;
            }

            // cgroup.kill takes a whole v2 group at once, forks included; pid by pid covers v1-only hosts.
            foreach (var group in groups.Where(g => File.Exists(Path.Combine(g, "cgroup.kill"))))
            {
                CgroupFiles.TryWrite(Path.Combine(group, "cgroup.kill"), "1", out _);
            }

            foreach (var pid in left)
            {
                LibC.Signal(pid, LibC.SigKill);
            }

            await Task.Delay(PollInterval, time).ConfigureAwait(false);
        }

        foreach (var group in groups)
        {
            await CgroupFiles.TryRemoveDirectoryAsync(group, time).ConfigureAwait(false);
        }

        return left;
    }

    private static List<string> Groups(CgroupHost host, string name)
    {
        var groups = host.ScopeDirectories.Select(scope => Path.Combine(scope, name)).Where(Directory.Exists).ToList();

        // A server started again from another parent (another shell, another service manager slice)
        // may sit in other v1 groups than its predecessor did; the orphan's own membership says where its groups are.
        var suffix = $"/{CgroupHost.ParentName}/{host.Scope}/{name}";
        foreach (var pid in groups.SelectMany(CgroupFiles.ReadPids).Take(1))
        {
            var mounts = CgroupMounts.ReadFor(pid);
            foreach (var dir in mounts.V1Directories.Values.Append(mounts.UnifiedDirectory).OfType<string>())
            {
                if (dir.EndsWith(suffix, StringComparison.Ordinal) && !groups.Contains(dir) && Directory.Exists(dir))
                {
                    groups.Add(dir);
                }
            }
        }

        return groups;
    }

    private static void Thaw(string group)
    {
        if (File.Exists(Path.Combine(group, "cgroup.freeze")))
        {
            CgroupFiles.TryWrite(Path.Combine(group, "cgroup.freeze"), "0", out _);
        }

        if (File.Exists(Path.Combine(group, "freezer.state")))
        {
            CgroupFiles.TryWrite(Path.Combine(group, "freezer.state"), "THAWED", out _);
        }
    }
}
