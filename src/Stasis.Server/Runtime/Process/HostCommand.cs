using System.ComponentModel;
using System.Diagnostics;

namespace Stasis.Server.Runtime.Process;

/// <summary>What a host program printed, and how it exited.</summary>
internal sealed record CommandResult(int ExitCode, string Output, string Error);

/// <summary>A host program could not be run, or did not finish in time (it was then killed).</summary>
internal sealed class HostCommandException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Runs a host program (nvidia-smi, cuda-checkpoint) to completion, bounded in time.</summary>
internal static class HostCommand
{
    public static CommandResult Run(string path, IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        using var process = Start(path, arguments);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            Kill(process);
            throw TimedOut(path, timeout);
        }

        return new CommandResult(process.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
    }

    public static async Task<CommandResult> RunAsync(string path, IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        using var process = Start(path, arguments);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timer = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(timer.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            throw TimedOut(path, timeout);
        }

        return new CommandResult(process.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
    }

    private static System.Diagnostics.Process Start(string path, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(path)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            var process = System.Diagnostics.Process.Start(start) ?? throw new HostCommandException($"{path} did not start");
            process.StandardInput.Close();
            return process;
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException or IOException)
        {
            throw new HostCommandException($"cannot run {path}: {e.Message}", e);
        }
    }

    private static void Kill(System.Diagnostics.Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited meanwhile.
        }
    }

    private static HostCommandException TimedOut(string path, TimeSpan timeout) =>
        new($"{Path.GetFileName(path)} did not finish within {timeout.TotalSeconds:0} s and was killed");
}
