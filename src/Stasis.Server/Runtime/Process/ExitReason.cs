namespace Stasis.Server.Runtime.Process;

/// <summary>Words for how a process ended.</summary>
internal static class ExitReason
{
    /// <summary>
    /// .NET reports a process killed by signal N as exit code 128 + N, like a shell does, so a program
    /// that itself exits with 137 reads as killed by SIGKILL too.
    /// </summary>
    public static InstanceExit FromExitCode(int code)
    {
        if (code > 128 && code <= 128 + 64)
        {
            var signal = code - 128;
            var name = SignalName(signal);
            return new InstanceExit(code, name is null ? $"killed by signal {signal}" : $"killed by signal {signal} ({name})");
        }

        return new InstanceExit(code, $"exited with code {code}");
    }

    /// <summary>
    /// A process the memory cgroup's OOM killer ended (SIGKILL): it used more memory than the function's
    /// <c>memorySize</c>. Example: "killed by the memory cgroup: out of memory (memorySize 128 MB)".
    /// </summary>
    public static InstanceExit OutOfMemory(int code, long? limitBytes) => new(code, limitBytes is { } bytes
        ? $"killed by the memory cgroup: out of memory (memorySize {bytes / (1024 * 1024)} MB)"
        : "killed by the memory cgroup: out of memory");

    private static string? SignalName(int signal) => signal switch
    {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        4 => "SIGILL",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        13 => "SIGPIPE",
        14 => "SIGALRM",
        15 => "SIGTERM",
        _ => null,
    };
}
