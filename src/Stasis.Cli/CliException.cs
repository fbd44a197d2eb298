namespace Stasis.Cli;

/// <summary>A failure the CLI explains in one line and maps to an exit code (1 failed, 2 misused).</summary>
internal class CliException(string message, int exitCode = ExitCodes.Failure, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>The command line itself is wrong (conflicting options, unreadable values): exit code 2.</summary>
internal sealed class UsageException(string message) : CliException(message, ExitCodes.Usage);

internal static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;
    /// <summary>128 + SIGINT, what shells report for a command stopped by Ctrl-C.</summary>
    public const int Interrupted = 130;
}
