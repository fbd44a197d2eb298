namespace Stasis.Server.Runtime.Process;

/// <summary>
/// Checks a launch before anything is created for it, so a typo in a function's command or code path
/// fails with a message that says what to fix instead of an opaque exit code.
/// </summary>
internal static class LaunchValidation
{
    /// <summary>Throws <see cref="InstanceStartException"/> when the launch cannot run; returns the executable's path.</summary>
    public static string Validate(InstanceLaunch launch, IReadOnlyDictionary<string, string> environment)
    {
        if (launch.Argv.Count == 0 || string.IsNullOrWhiteSpace(launch.Argv[0]))
        {
            throw new InstanceStartException($"Function '{launch.FunctionName}' has no command to run; set its entrypoint or command.");
        }

        if (!Directory.Exists(launch.WorkingDirectory))
        {
            throw new InstanceStartException(
                $"Working directory '{launch.WorkingDirectory}' of function '{launch.FunctionName}' does not exist; check the function's code path.");
        }

        var name = launch.Argv[0];
        return name.Contains('/', StringComparison.Ordinal)
            ? CheckPath(launch, name, Path.GetFullPath(name, launch.WorkingDirectory))
            : SearchPath(launch, name, environment.GetValueOrDefault("PATH") ?? "");
    }

    private static string CheckPath(InstanceLaunch launch, string name, string path)
    {
        if (!File.Exists(path))
        {
            throw new InstanceStartException(
                $"Executable '{name}' of function '{launch.FunctionName}' does not exist (looked for {path}); check the command and the code directory.");
        }

        if (!HostTools.IsExecutableFile(path))
        {
            throw new InstanceStartException(
                $"'{path}' (the command of function '{launch.FunctionName}') is not executable; run chmod +x on it, or start it through its interpreter.");
        }

        return path;
    }

    private static string SearchPath(InstanceLaunch launch, string name, string searchPath)
    {
        foreach (var dir in searchPath.Split(':'))
        {
            // An empty PATH entry means the current directory, as for execvp.
            var candidate = Path.GetFullPath(Path.Combine(dir.Length == 0 ? "." : dir, name), launch.WorkingDirectory);
            if (HostTools.IsExecutableFile(candidate))
            {
                return candidate;
            }
        }

        throw new InstanceStartException(
            $"Executable '{name}' of function '{launch.FunctionName}' was not found in PATH ({searchPath}); install it on the server or give its absolute path in the command.");
    }
}
