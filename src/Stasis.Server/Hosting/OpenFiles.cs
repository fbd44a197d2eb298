using System.Runtime.InteropServices;

namespace Stasis.Server.Hosting;

/// <summary>
/// The process's open-file limit (RLIMIT_NOFILE): raised to its hard limit when the server starts, as any process
/// may without privileges, so that the connection caps that derive from it are as high as the host allows.
/// </summary>
internal static partial class OpenFiles
{
    private const int RlimitNofile = 7;

    /// <summary>The soft limit before and after raising it to the hard one; (0, 0) where the host cannot tell.</summary>
    public static (long Before, long After) RaiseToHard()
    {
        if (!OperatingSystem.IsLinux() || GetRLimit(RlimitNofile, out var limit) != 0)
        {
            return (0, 0);
        }

        var before = (long)limit.Current;
        if (limit.Current < limit.Maximum)
        {
            var raised = limit with { Current = limit.Maximum };
            if (SetRLimit(RlimitNofile, in raised) == 0)
            {
                return (before, (long)limit.Maximum);
            }
        }

        return (before, before);
    }

    /// <summary>How many files the process has open (<c>/proc/self/fd</c>); null where the host cannot tell.</summary>
    public static int? Open()
    {
        try
        {
            return Directory.EnumerateFileSystemEntries("/proc/self/fd").Count();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private record struct RLimit(ulong Current, ulong Maximum);

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRLimit(int resource, out RLimit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetRLimit(int resource, in RLimit limit);
}
