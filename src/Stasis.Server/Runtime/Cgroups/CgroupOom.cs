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

    /// <summary>The <c>oom_kill N</c> line of either file, as in <c>oom_kill_disable 0\nunder_oom 0\noom_kill 1</c>.</summary>
    internal static long? ParseOomKill(string? text)
    {
        if (text is null)
        {
            return null;
        }

        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && parts[0] == "oom_kill" && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var kills))
            {
                return kills;
            }
        }

        return null;
    }
}
