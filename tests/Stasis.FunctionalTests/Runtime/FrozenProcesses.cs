using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Stasis.Server.Runtime.Freezing;
using Stasis.Server.Runtime.Process;

namespace Stasis.FunctionalTests.Runtime;

/// <summary>What freeze tests share: runtimes with a given freezer, a function that burns CPU, and CPU time read from /proc.</summary>
internal static class FrozenProcesses
{
    /// <summary>Spins in a thread of the server and in a child process, so both must stop for the CPU time to stand still.</summary>
    private const string BusyServer = """
        import runpy, threading
        def spin():
            while True:
                pass
        threading.Thread(target=spin, daemon=True).start()
        runpy.run_path('server.py', run_name='__main__')
        """;

    /// <summary>A runtime that freezes with <paramref name="kind"/>, or null where this host cannot.</summary>
    /// <summary>The runtime with freezer <paramref name="kind"/>; the test is reported skipped, with the host's reason, where it has none.</summary>
    public static ProcessRuntime RuntimeOrSkip(string kind, ProcessRuntimeOptions? options = null)
    {
        var runtime = new ProcessRuntime(NullLogger<ProcessRuntime>.Instance, TimeProvider.System, options ?? PlainProcesses.Options,
            new HostOverrides { Freezer = Enum.Parse<FreezerKind>(kind) });
        try
        {
            _ = runtime.Freezer;
            return runtime;
        }
        catch (InvalidOperationException e)
        {
            throw new SkipException($"the {kind} freezer is not available on this host: {e.Message}");
        }
    }

    /// <summary>Starts the busy function; returns the instance and the pids whose CPU time counts.</summary>
    public static async Task<(ProcessInstance Instance, int[] Pids)> StartBusyAsync(ProcessRuntime runtime, TestFunctions functions)
    {
        File.WriteAllText(functions.PathOf("busy.py"), BusyServer);
        var script = functions.Script("busy.sh", $"""
            sh -c 'while :; do :; done' &
            echo $! > spinner.pid
            exec {TestFunctions.PythonPath} busy.py
            """);
        var instance = (ProcessInstance)await runtime.StartAsync(functions.Launch([script]), CancellationToken.None);
        try
        {
            var spinner = TestFunctions.ReadPid(await TestFunctions.WaitForFileAsync(functions.PathOf("spinner.pid")));
            return (instance, [instance.ProcessId!.Value, spinner]);
        }
        catch
        {
            // The caller never gets the instance to stop: stop it here, or it spins on after the test.
            await instance.StopAsync(TimeSpan.Zero, CancellationToken.None);
            throw;
        }
    }

    /// <summary>utime + stime of each process (all its threads), in clock ticks.</summary>
    public static long CpuTicks(IEnumerable<int> pids) => pids.Sum(pid =>
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    });

    /// <summary>Polls until <paramref name="condition"/> holds; false after 20 s.</summary>
    public static async Task<bool> EventuallyAsync(Func<bool> condition)
    {
        for (var i = 0; i < 400; i++)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(50);
        }

        return condition();
    }
}
