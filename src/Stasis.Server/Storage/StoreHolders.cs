using System.Globalization;

namespace Stasis.Server.Storage;

/// <summary>
/// The other processes that have the store open, found through <c>/proc/PID/fd</c>: named in the error
/// when the store is locked, so the user knows what to stop. Best effort; only read on that error path.
/// </summary>
internal static class StoreHolders
{
    /// <summary>" (pid 4242 python3)" or " (pids 4242 python3, 4250 sqlite3)"; empty when none can be seen.</summary>
    public static string Describe(string storeFile) => Format(Find(storeFile));

    /// <summary>The same for the processes other than this one that have <paramref name="file"/> open.</summary>
    public static string DescribeOpen(string file) => Format(FindOpen(file));

    private static string Format(IReadOnlyList<string> holders) =>
        holders.Count switch
        {
            0 => "",
            1 => $" (pid {holders[0]})",
            _ => $" (pids {string.Join(", ", holders)})",
        };

    /// <summary>"PID NAME" of each process other than this one with the file, its WAL or its shared memory open.</summary>
    public static IReadOnlyList<string> Find(string storeFile) => FindOpen(storeFile, storeFile + "-wal", storeFile + "-shm");

    /// <summary>"PID NAME" of each process other than this one with any of <paramref name="files"/> (full paths) open.</summary>
    public static IReadOnlyList<string> FindOpen(params string[] files)
    {
        var names = new HashSet<string>(files, StringComparer.Ordinal);
        var self = Environment.ProcessId;
        var found = new List<string>();
        string[] pids;
        try
        {
            pids = Directory.GetDirectories("/proc");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return found;
        }

        foreach (var dir in pids)
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == self)
            {
                continue;
            }

            if (HasOpen(dir, names))
            {
                found.Add($"{pid} {Command(dir)}");
            }
        }

        return found;
    }

    private static bool HasOpen(string processDir, HashSet<string> names)
    {
        try
        {
            foreach (var fd in Directory.EnumerateFileSystemEntries(Path.Combine(processDir, "fd")))
            {
                if (new FileInfo(fd).LinkTarget is { } target && names.Contains(target))
                {
                    return true;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The process ended, or its descriptors are not ours to read.
        }

        return false;
    }

    private static string Command(string processDir)
    {
        try
        {
            return File.ReadAllText(Path.Combine(processDir, "comm")).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "?";
        }
    }
}
