using Microsoft.Extensions.Logging.Abstractions;
using Stasis.Server.Runtime;
using Stasis.Server.Runtime.Process;

namespace Stasis.FunctionalTests.Runtime;

public sealed class ProcessRuntimeFailureTests : IDisposable
{
    private readonly TestFunctions _functions = new();
    private readonly ProcessRuntime _runtime = new(NullLogger<ProcessRuntime>.Instance, TimeProvider.System, PlainProcesses.Options);

    [Fact]
    public async Task A_process_that_exits_at_start_fails_with_its_exit_code_and_last_output()
    {
        var script = _functions.Script("crash.sh", """
            echo $$ > main.pid
            sleep 300 &
            echo $! > child.pid
            echo "loading model"
            echo "fatal: no model file" >&2
            exit 3
            """);
        var launch = _functions.Launch([script]);

        var error = await Assert.ThrowsAsync<InstanceStartException>(() => _runtime.StartAsync(launch, CancellationToken.None));

        Assert.Contains("exited with code 3 before opening port 9000", error.Message, StringComparison.Ordinal);
        Assert.Contains(launch.LogPath, error.Message, StringComparison.Ordinal);
        Assert.Contains("loading model", error.OutputExcerpt, StringComparison.Ordinal);
        Assert.Contains("fatal: no model file", error.OutputExcerpt, StringComparison.Ordinal);
        Assert.True(TestFunctions.IsGone(TestFunctions.ReadPid(_functions.PathOf("main.pid"))));
        Assert.True(TestFunctions.IsGone(TestFunctions.ReadPid(_functions.PathOf("child.pid"))));
        AssertGroupsRemoved(launch);
    }

    [Fact]
    public async Task A_process_that_never_opens_its_port_is_killed_after_the_start_timeout()
    {
        var script = _functions.Script("silent.sh", """
            echo $$ > main.pid
            sleep 300 &
            echo $! > child.pid
            echo "warming up"
            wait
            """);
        var launch = _functions.Launch([script], startTimeout: TimeSpan.FromSeconds(2));

        var error = await Assert.ThrowsAsync<InstanceStartException>(() => _runtime.StartAsync(launch, CancellationToken.None));

        Assert.Contains("did not open port 9000 within 2s", error.Message, StringComparison.Ordinal);
        Assert.Contains("warming up", error.OutputExcerpt, StringComparison.Ordinal);
        Assert.True(TestFunctions.IsGone(TestFunctions.ReadPid(_functions.PathOf("main.pid"))));
        Assert.True(TestFunctions.IsGone(TestFunctions.ReadPid(_functions.PathOf("child.pid"))));
        AssertGroupsRemoved(launch);
    }

    [Fact]
    public async Task A_missing_executable_is_reported_with_what_to_fix()
    {
        var error = await Assert.ThrowsAsync<InstanceStartException>(
            () => _runtime.StartAsync(_functions.Launch(["no-such-server-binary", "--port", "9000"]), CancellationToken.None));
        Assert.Contains("'no-such-server-binary'", error.Message, StringComparison.Ordinal);
        Assert.Contains("not found in PATH", error.Message, StringComparison.Ordinal);

        var relative = await Assert.ThrowsAsync<InstanceStartException>(
            () => _runtime.StartAsync(_functions.Launch(["./bootstrap"]), CancellationToken.None));
        Assert.Contains($"looked for {_functions.PathOf("bootstrap")}", relative.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_script_without_execute_permission_is_reported()
    {
        File.WriteAllText(_functions.PathOf("start.sh"), "#!/bin/sh\nexit 0\n");

        var error = await Assert.ThrowsAsync<InstanceStartException>(
            () => _runtime.StartAsync(_functions.Launch(["./start.sh"]), CancellationToken.None));

        Assert.Contains("chmod +x", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_working_directory_is_reported()
    {
        var launch = _functions.Launch() with { WorkingDirectory = _functions.PathOf("no-such-code-dir") };

        var error = await Assert.ThrowsAsync<InstanceStartException>(() => _runtime.StartAsync(launch, CancellationToken.None));

        Assert.Contains("no-such-code-dir", error.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _functions.Dispose();

    private void AssertGroupsRemoved(InstanceLaunch launch)
    {
        var cgroups = _runtime.Cgroups;
        foreach (var parent in new[] { cgroups.UnifiedBase, cgroups.V1CpuBase, cgroups.V1MemoryBase }.OfType<string>())
        {
            Assert.False(Directory.Exists(Path.Combine(parent, launch.InstanceId)), parent);
        }
    }
}
