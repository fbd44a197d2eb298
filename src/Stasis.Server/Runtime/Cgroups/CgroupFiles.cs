using System.Text;

namespace Stasis.Server.Runtime.Cgroups;

/// <summary>Reads and writes cgroup interface files, which want one small write each.</summary>
internal static class CgroupFiles
{
    public static void Write(string path, string value)
    {
        // FileMode.Open: the kernel creates interface files; creating one by mistake would hide a typo.
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        RandomAccess.Write(handle, Encoding.ASCII.GetBytes(value), 0);
    }

    public static bool TryWrite(string path, string value, out string? error)
    {
        try
        {
            Write(path, value);
            error = null;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = e.Message;
            return false;
        }
    }

    public static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Pids listed in <c>cgroup.procs</c> of <paramref name="directory"/> and of the groups below it (a
    /// sandboxed instance's processes are in the group runc makes inside the instance's); empty when it
    /// cannot be read.
    /// </summary>
    public static IEnumerable<int> ReadPids(string directory)
    {
        foreach (var child in SubGroups(directory))
        {
            foreach (var pid in ReadPids(child))
            {
                yield return pid;
            }
        }

        var text = TryRead(Path.Combine(directory, "cgroup.procs"));
        if (text is null)
        {
            yield break;
        }

        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (int.TryParse(line, out var pid) && pid > 0)
            {
                yield return pid;
            }
        }
    }

    public static bool TryCreateDirectory(string path, out string? error)
    {
        try
        {
            Directory.CreateDirectory(path);
            error = null;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = e.Message;
            return false;
        }
    }

    /// <summary>
    /// rmdir, of the groups below first; a cgroup whose last process is still being torn down answers
    /// EBUSY for a moment.
    /// </summary>
    public static async Task<bool> TryRemoveDirectoryAsync(string path, TimeProvider time)
    {
        foreach (var child in SubGroups(path))
        {
            await TryRemoveDirectoryAsync(child, time).ConfigureAwait(false);
        }

        for (var attempt = 0; ; attempt++)
        {
            try
            {
                if (Directory.Exists(path))
                {
                    Directory.Delete(path, recursive: false);
                }

                return true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                if (attempt >= 40)
                {
                    return false;
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(25), time).ConfigureAwait(false);
        }
    }

    private static string[] SubGroups(string directory)
    {
        try
        {
            return Directory.GetDirectories(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
