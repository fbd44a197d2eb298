using System.Globalization;

namespace Stasis.Server.Runtime.Cgroups;

/// <summary>
/// Whether the kernel's OOM killer ended a process of an instance's memory group: the <c>oom_kill</c> counter of
/// <c>memory.events</c> (v2) or <c>memory.oom_control</c> (v1, Linux 4.13 and later). A group is made per instance,
/// so any count above zero is this instance's.
/// </summary>
internal static class CgroupOom
{
    /// <summary>How many processes of <paramref name="group"/> the OOM killer ended; null where no counter can be read.</summary>
    public static long? Kills(string group)
    {
        foreach (var file in new[] { "memory.events", "memory.oom_control" })
        {
            if (ParseOomKill(CgroupFiles.TryRead(Path.Combine(group, file))) is { } kills)
            {
                return kills;
            }
        }

        return null;
    }

    /// <summary>
    /// Whether the group's memory use ever reached its limit: v1's high-water mark
    /// (<c>memory.max_usage_in_bytes</c> or, with swap capped, <c>memory.memsw.max_usage_in_bytes</c>)
    /// within a megabyte of its limit, or v2's <c>max</c> count of <c>memory.events</c>. Kept by the group that
    /// has the limit, so it tells an OOM kill in a group below it (a sandbox's), whose own <c>oom_kill</c>
    /// is gone with that group; v1's failure counters do not count those charges.
    /// </summary>
    public static bool LimitReached(string group)
    {
        foreach (var (usage, limit) in new[] { ("memory.max_usage_in_bytes", "memory.limit_in_bytes"), ("memory.memsw.max_usage_in_bytes", "memory.memsw.limit_in_bytes") })
        {
            if (ReadLong(Path.Combine(group, usage)) is { } high && ReadLong(Path.Combine(group, limit)) is { } max && high >= max - (1L << 20))
            {
                return true;
            }
        }

        return ParseCounter(CgroupFiles.TryRead(Path.Combine(group, "memory.events")), "max") > 0;
    }

    private static long? ReadLong(string path) =>
        CgroupFiles.TryRead(path) is { } text && long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>The <c>oom_kill N</c> line of either file, as in <c>oom_kill_disable 0\nunder_oom 0\noom_kill 1</c>.</summary>
    internal static long? ParseOomKill(string? text) => ParseCounter(text, "oom_kill");

    private static long? ParseCounter(string? text, string name)
    {
        if (text is null)
        {
            return null;
        }

        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && parts[0] == name && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var kills))
            {
                return kills;
            }
        }

        return null;
    }
}
