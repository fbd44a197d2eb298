using System.Collections;
using System.Runtime.InteropServices;

namespace Stasis.Server.Hosting;

/// <summary>
/// Starts the server process over again, once, with <c>MALLOC_ARENA_MAX</c> set to
/// <see cref="NativeHeap.DefaultArenaLimit"/>, so that glibc caps its malloc arenas from the process's first
/// allocation. <see cref="NativeHeap.LimitArenas"/> (<c>mallopt</c>) from managed code comes too late for that: by the
/// time it runs the runtime's and the host's own threads have made an arena each (7 on a 2-core machine), every
/// arena stays for the life of the process, and the thread pool's threads then share all of them, each left at its
/// high-water mark between trims (docs/reliability.md, "Memory").
/// <para>
/// It is <c>execve</c> of the same program (<c>/proc/self/exe</c>'s target) with the same arguments (<c>/proc/self/cmdline</c>) and the same
/// environment plus that one variable: the same process id, open descriptors and working directory, before anything
/// has been read or written. It does nothing when <c>MALLOC_ARENA_MAX</c> is already set (the restarted process, or
/// an operator's own choice), off glibc, or when <c>/proc</c> cannot be read; when <c>execve</c> fails the process
/// goes on as it is, and <see cref="NativeHeap.LimitArenas"/> still caps the arenas made after it.
/// </para>
/// <para>
/// It also starts over when the parent left SIGINT or SIGTERM ignored (a shell script's <c>stasis server &amp;</c>
/// ignores SIGINT in what it starts), with both back to their default first, which <c>execve</c> keeps: the runtime
/// then takes them as it takes them in a terminal, and both drain and stop the server.
/// </para>
/// </summary>
internal static partial class ArenaLimitedStart
{
    /// <summary>Restarts the process with the arena limit set, when it is not; returns only when it does not.</summary>
    public static void RestartIfUnlimited()
    {
        var limited = Environment.GetEnvironmentVariable(NativeHeap.ArenaLimitVariable) is not null;
        var ignored = StopSignalsIgnored();
        if ((!NativeHeap.Supported || limited) && !ignored)
        {
            return;
        }

        string[] arguments;
        try
        {
            arguments = ParseCommandLine(File.ReadAllBytes("/proc/self/cmdline"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }

        if (arguments.Length == 0)
        {
            return;
        }

        // The program's own path rather than /proc/self/exe, whose last part ("exe") would become the process's name in
        // ps and /proc/PID/comm. /proc/self/exe only when that path is gone (the program was replaced while it ran).
        if (ignored)
        {
            _ = Signal(SigInt, SigDefault);
            _ = Signal(SigTerm, SigDefault);
        }

        Execve(ProgramPath(), [.. arguments, null], [.. (limited || !NativeHeap.Supported ? CurrentEnvironment() : EnvironmentWithLimit()), null]);
        // Still here: execve failed (errno in Marshal.GetLastPInvokeError()). Start as we are.
    }

    private static string ProgramPath()
    {
        try
        {
            return File.ResolveLinkTarget("/proc/self/exe", returnFinalTarget: false) is { } target && File.Exists(target.FullName)
                ? target.FullName
                : "/proc/self/exe";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "/proc/self/exe";
        }
    }

    private const int SigInt = 2;
    private const int SigTerm = 15;
    private static readonly IntPtr SigDefault = IntPtr.Zero;

    /// <summary>Whether SIGINT or SIGTERM was inherited ignored (<c>SigIgn</c> of <c>/proc/self/status</c>, bit N-1 for signal N).</summary>
    internal static bool StopSignalsIgnored()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("SigIgn:", StringComparison.Ordinal))
                {
                    var mask = ulong.Parse(line["SigIgn:".Length..].Trim(), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
                    return IgnoresStop(mask);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
        }

        return false;
    }

    internal static bool IgnoresStop(ulong sigIgn) => (sigIgn & (1UL << (SigInt - 1))) != 0 || (sigIgn & (1UL << (SigTerm - 1))) != 0;

    /// <summary>The process's environment as <c>NAME=value</c> strings.</summary>
    private static List<string> CurrentEnvironment()
    {
        var variables = new List<string>();
        foreach (DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            variables.Add($"{entry.Key}={entry.Value}");
        }

        return variables;
    }

    /// <summary>The process's environment as <c>NAME=value</c> strings, with the arena limit added.</summary>
    internal static List<string> EnvironmentWithLimit()
    {
        var variables = CurrentEnvironment();
        variables.Add(FormattableString.Invariant($"{NativeHeap.ArenaLimitVariable}={NativeHeap.DefaultArenaLimit}"));
        return variables;
    }

    /// <summary><c>/proc/PID/cmdline</c>: the arguments, each ended by a NUL.</summary>
    internal static string[] ParseCommandLine(byte[] cmdline)
    {
        var text = System.Text.Encoding.UTF8.GetString(cmdline);
        return text.Length == 0 ? [] : (text[^1] == '\0' ? text[..^1] : text).Split('\0');
    }

    [LibraryImport("libc", EntryPoint = "signal", SetLastError = true)]
    private static partial IntPtr Signal(int signal, IntPtr handler);

    [LibraryImport("libc", EntryPoint = "execve", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Execve(string path, string?[] arguments, string?[] environment);
}
