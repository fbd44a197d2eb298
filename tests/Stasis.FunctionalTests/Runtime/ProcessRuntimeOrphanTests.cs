using Microsoft.Extensions.Logging.Abstractions;
using Stasis.Server.Runtime;
using Stasis.Server.Runtime.Cgroups;
using Stasis.Server.Runtime.Process;

namespace Stasis.FunctionalTests.Runtime;

/// <summary>
/// A server killed with -9 leaves its instances running; the next server with the same data directory
/// (scope) stops them, and never touches another scope's. Each test uses scopes of its own, so test
/// runs side by side on one host do not meet either.
/// </summary>
public sealed class ProcessRuntimeOrphanTests : IAsyncLifetime
{
    private readonly TestFunctions _functions = new();
    private readonly string _scope = "t-" + Guid.NewGuid().ToString("N")[..10];
    private readonly string _otherScope = "t-" + Guid.NewGuid().ToString("N")[..10];
    private readonly List<IRuntimeInstance> _forgotten = [];
    private readonly List<ProcessRuntime> _runtimes = [];

    [SkippableFact]
    public async Task A_new_runtime_of_the_same_scope_stops_what_the_old_one_left_and_nothing_else()
    {
        var old = Runtime(_scope);
        Skip.If(!old.Cgroups.ScopeDirectories.Any(), "this host gives the runtime no cgroup scope directory, so what a runtime left cannot be found by its scope");

        var other = Runtime(_otherScope);
        var script = _functions.Script("with-child.sh", $"""
            sleep 300 &
            echo $! > "child-$FC_INSTANCE.pid"
            exec {TestFunctions.PythonPath} server.py
            """);
        var first = await StartAsync(old, script, "first");
        var second = await StartAsync(old, script, "second");
        await second.FreezeAsync(CancellationToken.None);
        var bystander = await StartAsync(other, script, "bystander");
        var children = new List<int>();
        foreach (var name in new[] { "first", "second" })
        {
            children.Add(TestFunctions.ReadPid(await TestFunctions.WaitForFileAsync(_functions.PathOf($"child-{name}.pid"))));
        }

        // The old runtime dies without stopping anything; its successor looks for what it left.
        var successor = Runtime(_scope);
        var stopped = await successor.StopOrphansAsync(CancellationToken.None);

        Assert.Equal(new[] { first.InstanceId, second.InstanceId }.Order(), stopped.Order());
        await first.Exited.WaitAsync(TimeSpan.FromSeconds(30));
        await second.Exited.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.All(children, child => Assert.True(TestFunctions.IsGone(child)));
        Assert.All(new[] { first, second }.SelectMany(i => ((ProcessInstance)i).Cgroups.All), path => Assert.False(Directory.Exists(path), path));

        Assert.False(bystander.Exited.IsCompleted);
        Assert.Equal(bystander.ProcessId.ToString(), await ProcessRuntimeStartTests.GetAsync(bystander, "ping"));
        Assert.Empty(await successor.StopOrphansAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_runtime_never_takes_its_own_instances_for_orphans()
    {
        var runtime = Runtime(_scope);
        await using var instance = await runtime.StartAsync(_functions.Launch(), CancellationToken.None);

        Assert.Empty(await runtime.StopOrphansAsync(CancellationToken.None));
        Assert.Equal(instance.ProcessId.ToString(), await ProcessRuntimeStartTests.GetAsync(instance, "ping"));
    }

    [Fact]
    public async Task Disposing_a_runtime_removes_its_scope_groups_once_its_instances_are_gone()
    {
        var runtime = Runtime(_scope);
        var instance = await runtime.StartAsync(_functions.Launch(), CancellationToken.None);
        var scopes = runtime.Cgroups.ScopeDirectories;

        runtime.Dispose();
        Assert.All(scopes, scope => Assert.True(Directory.Exists(scope), scope));

        await instance.StopAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        runtime.Dispose();
        Assert.All(scopes, scope => Assert.False(Directory.Exists(scope), scope));
    }

    [Fact]
    public async Task Without_cgroups_there_is_nothing_to_find()
    {
        var runtime = new ProcessRuntime(NullLogger<ProcessRuntime>.Instance, TimeProvider.System, CgroupHost.Disabled, networkIsolation: false);

        Assert.Empty(await runtime.StopOrphansAsync(CancellationToken.None));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var instance in _forgotten)
        {
            await instance.StopAsync(TimeSpan.FromSeconds(1), CancellationToken.None);
        }

        foreach (var runtime in _runtimes)
        {
            runtime.Dispose();
        }

        _functions.Dispose();
    }

    private ProcessRuntime Runtime(string scope)
    {
        var runtime = new ProcessRuntime(NullLogger<ProcessRuntime>.Instance, TimeProvider.System, PlainProcesses.Options with { Scope = scope });
        _runtimes.Add(runtime);
        return runtime;
    }

    private async Task<IRuntimeInstance> StartAsync(ProcessRuntime runtime, string script, string name)
    {
        var launch = _functions.Launch([script], environment: new Dictionary<string, string> { ["FC_INSTANCE"] = name });
        var instance = await runtime.StartAsync(launch, CancellationToken.None);
        _forgotten.Add(instance);
        return instance;
    }
}
