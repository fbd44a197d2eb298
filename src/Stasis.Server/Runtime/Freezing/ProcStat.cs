using System.Globalization;

namespace Stasis.Server.Runtime.Freezing;

/// <summary>Reads <c>/proc/&lt;pid&gt;/stat</c>: a process's state letter and process group.</summary>
internal static class ProcStat
{
    /// <summary>The fields after the command name (which may itself hold spaces and parentheses), or null when the process is gone.</summary>
    public static string[]? Fields(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        var close = text.LastIndexOf(')');
        return close < 0 || close + 2 >= text.Length ? null : text[(close + 2)..].Split(' ');
    }

    /// <summary>R, S, D, T (stopped), t (traced), Z, X...; null when the process is gone.</summary>
    public static char? State(int pid) => Fields(pid) is [{ Length: > 0 } state, ..] ? state[0] : null;

    /// <summary>Whether a process no longer runs: stopped, a zombie, or gone.</summary>
    public static bool IsStoppedOrGone(int pid) => State(pid) is null or 'T' or 't' or 'Z' or 'X';

    /// <summary>Every process whose process group is <paramref name="groupId"/>.</summary>
    public static List<int> GroupMembers(int groupId)
    {
        var members = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && Fields(pid) is [_, _, var group, ..]
                && int.TryParse(group, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id == groupId)
            {
                members.Add(pid);
            }
        }

        return members;
    }
}
