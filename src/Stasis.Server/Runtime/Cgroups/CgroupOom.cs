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
    /// How often the group's memory limit refused a charge (v1 <c>memory.failcnt</c>, v2 <c>max</c> of
    /// <c>memory.events</c>); null where neither can be read. Counted in the group that has the limit, so it
    /// tells an OOM kill in a group below it, whose own <c>oom_kill</c> is gone with it.
    /// </summary>
    public static long? LimitHits(string group)
    {
        if (CgroupFiles.TryRead(Path.Combine(group, "memory.failcnt")) is { } text
            && long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var failures))
        {
            return failures;
        }

        return ParseCounter(CgroupFiles.TryRead(Path.Combine(group, "memory.events")), "max");
    }

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
