using Microsoft.Extensions.Logging;

namespace Stasis.Server.Runtime.Cgroups;

/// <summary>
/// The groups of one instance (<c>stasis/&lt;scope&gt;/&lt;instanceId&gt;</c> in each hierarchy in use). Its process
/// joins them before it runs the function's program, so every descendant is in them too.
/// </summary>
public sealed class InstanceCgroups
{
    private readonly bool _canKill;
    private readonly List<string> _members;

    internal InstanceCgroups(string? unified, string? cpu, string? memory, string? freezer, bool canKill)
    {
        V2Path = unified;
        CpuPath = cpu;
        MemoryPath = memory;
        FreezerPath = freezer;
        _canKill = canKill;
        All = new[] { unified, cpu, memory, freezer }.OfType<string>().Distinct(StringComparer.Ordinal).ToArray();
        _members = [.. All];
    }

    internal static InstanceCgroups None { get; } = new(null, null, null, null, false);

    /// <summary>The instance's cgroup v2 group (has <c>cgroup.freeze</c> and <c>cgroup.kill</c>), or null.</summary>
    public string? V2Path { get; }

    /// <summary>The group that carries the CPU limit (v1 cpu, or the v2 group on a pure v2 host), or null.</summary>
    public string? CpuPath { get; }

    /// <summary>The group that carries the memory limit, or null.</summary>
    public string? MemoryPath { get; }

    /// <summary>The instance's v1 freezer group (has <c>freezer.state</c>), where the runtime freezes with it; else null.</summary>
    public string? FreezerPath { get; }

    /// <summary>Every directory created for the instance; the process writes its pid to each <c>cgroup.procs</c>.</summary>
    internal IReadOnlyList<string> All { get; }

    /// <summary>Whether some group holds the instance's processes, so they can be found by reading it.</summary>
    internal bool TracksProcesses
    {
        get
        {
            lock (_members)
            {
                return _members.Count > 0;
            }
        }
    }

    /// <summary>Whether the instance's process joined <paramref name="group"/> (freezing a group it is not in would freeze nothing).</summary>
    internal bool Holds(string group)
    {
        lock (_members)
        {
            return _members.Contains(group);
        }
    }

    /// <summary>Forgets groups the process did not manage to join, so stop does not trust an empty list.</summary>
    internal void DropGroupsWithout(int pid, ILogger logger)
    {
        lock (_members)
        {
            foreach (var dir in _members.ToArray())
            {
                if (!CgroupFiles.ReadPids(dir).Contains(pid))
                {
                    CgroupLog.NotMember(logger, pid, dir);
                    _members.Remove(dir);
                }
            }
        }
    }

    /// <summary>Every process in the instance's groups.</summary>
    internal HashSet<int> ReadPids()
    {
        string[] members;
        lock (_members)
        {
            members = [.. _members];
        }

        var pids = new HashSet<int>();
        foreach (var dir in members)
        {
            pids.UnionWith(CgroupFiles.ReadPids(dir));
        }

        return pids;
    }

    /// <summary>SIGKILLs the whole v2 group at once (no fork can race it); false where there is no <c>cgroup.kill</c>.</summary>
    internal bool TryKillAll()
    {
        if (!_canKill || V2Path is null)
        {
            return false;
        }

        lock (_members)
        {
            if (!_members.Contains(V2Path))
            {
                return false;
            }
        }

        return CgroupFiles.TryWrite(Path.Combine(V2Path, "cgroup.kill"), "1", out _);
    }

    internal async Task RemoveAsync(TimeProvider time, ILogger logger)
    {
        foreach (var dir in All)
        {
            if (!await CgroupFiles.TryRemoveDirectoryAsync(dir, time).ConfigureAwait(false))
            {
                CgroupLog.RemoveFailed(logger, dir);
            }
        }
    }
}
