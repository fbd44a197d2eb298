using Microsoft.Extensions.Logging.Abstractions;
using Stasis.Server.Runtime;
using Stasis.Server.Runtime.Cgroups;
using Stasis.Server.Runtime.Process;
using Xunit.Abstractions;

namespace Stasis.FunctionalTests.Runtime;

public sealed class ProcessRuntimeStartTests(ITestOutputHelper output) : IDisposable
{
    private readonly TestFunctions _functions = new();
    private readonly ProcessRuntime _runtime = new(NullLogger<ProcessRuntime>.Instance, TimeProvider.System, PlainProcesses.Options);

    [Fact]
    public async Task Two_instances_on_the_same_fixed_port_run_side_by_side()
    {
        await using var first = await _runtime.StartAsync(_functions.Launch(port: 9000), CancellationToken.None);
        await using var second = await _runtime.StartAsync(_functions.Launch(port: 9000), CancellationToken.None);

        var firstPid = await GetAsync(first, "ping");
        var secondPid = await GetAsync(second, "ping");

        Assert.Equal(first.ProcessId.ToString(), firstPid);
        Assert.Equal(second.ProcessId.ToString(), secondPid);
        Assert.NotEqual(firstPid, secondPid);
        if (_runtime.NetworkIsolated)
        {
            Assert.Equal(new Uri("http://127.0.0.1:9000/"), first.BaseAddress);
            Assert.Equal(first.BaseAddress, second.BaseAddress);
            var a = (ProcessInstance)first;
            var b = (ProcessInstance)second;
            Assert.NotNull(a.NetworkNamespaceId);
            Assert.NotEqual(a.NetworkNamespaceId, b.NetworkNamespaceId);
            Assert.NotEqual(new FileInfo("/proc/self/ns/net").LinkTarget, a.NetworkNamespaceId);
        }
    }

    [Fact]
    public async Task Without_isolation_each_instance_gets_a_free_port_in_its_environment()
    {
        var runtime = new ProcessRuntime(NullLogger<ProcessRuntime>.Instance, TimeProvider.System, CgroupHost.Disabled, networkIsolation: false);
        await using var first = await runtime.StartAsync(_functions.Launch(port: 9000), CancellationToken.None);
        await using var second = await runtime.StartAsync(_functions.Launch(port: 9000), CancellationToken.None);

        Assert.NotEqual(first.BaseAddress, second.BaseAddress);
        Assert.Equal(first.BaseAddress.Port.ToString(), await GetAsync(first, "env/FC_SERVER_PORT"));
        Assert.Equal(second.BaseAddress.Port.ToString(), await GetAsync(second, "env/PORT"));
        Assert.NotEqual(await GetAsync(first, "ping"), await GetAsync(second, "ping"));
        Assert.StartsWith("none", runtime.Describe()["isolation"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_cgroups_stop_ends_the_process_group()
    {
        var runtime = new ProcessRuntime(NullLogger<ProcessRuntime>.Instance, TimeProvider.System, CgroupHost.Disabled, networkIsolation: true);
        var script = _functions.Script("group.sh", $"""
            sleep 300 &
            echo $! > child.pid
            exec {TestFunctions.PythonPath} server.py
            """);
        var instance = await runtime.StartAsync(_functions.Launch([script]), CancellationToken.None);
        var child = TestFunctions.ReadPid(await TestFunctions.WaitForFileAsync(_functions.PathOf("child.pid")));

        await instance.StopAsync(TimeSpan.FromSeconds(5), CancellationToken.None);

        Assert.True(TestFunctions.IsGone(instance.ProcessId!.Value));
        Assert.True(TestFunctions.IsGone(child));
        Assert.Equal("process group", runtime.Describe()["kill"]);
    }

    [Fact]
    public async Task The_process_gets_exactly_the_launch_environment_plus_path_and_home()
    {
        Environment.SetEnvironmentVariable("STASIS_TEST_SERVER_ONLY", "leak");
        var launch = _functions.Launch(environment: new Dictionary<string, string> { ["GREETING"] = "hello world", ["EMPTY"] = "" });

        await using var instance = await _runtime.StartAsync(launch, CancellationToken.None);

        Assert.Equal("hello world", await GetAsync(instance, "env/GREETING"));
        Assert.Equal("", await GetAsync(instance, "env/EMPTY"));
        Assert.Equal("<unset>", await GetAsync(instance, "env/STASIS_TEST_SERVER_ONLY"));
        Assert.Equal(Environment.GetEnvironmentVariable("PATH"), await GetAsync(instance, "env/PATH"));
    }

    [Fact]
    public async Task Output_goes_to_the_log_file_and_the_callback_line_by_line()
    {
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var launch = _functions.Launch() with { OnOutputLine = lines.Enqueue };

        await using (var instance = await _runtime.StartAsync(launch, CancellationToken.None))
        {
            await instance.StopAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        }

        Assert.Contains($"listening on {launch.Port}", lines);
        Assert.Contains("hello from stderr", lines);
        var log = await File.ReadAllLinesAsync(launch.LogPath);
        Assert.Contains(log, l => l.EndsWith($" stdout listening on {launch.Port}", StringComparison.Ordinal));
        Assert.Contains(log, l => l.EndsWith(" stderr hello from stderr", StringComparison.Ordinal));
        Assert.All(log, l => Assert.True(DateTimeOffset.TryParse(l.Split(' ')[0], out _), l));
    }

    [Fact]
    public void Describe_says_what_is_in_use()
    {
        var description = _runtime.Describe();
        foreach (var (key, value) in description)
        {
            output.WriteLine($"{key}: {value}");
        }

        Assert.Equal("process", _runtime.Name);
        Assert.Contains("isolation", description.Keys);
        Assert.Contains("cgroups", description.Keys);
        Assert.Contains("cpuLimit", description.Keys);
        Assert.Contains("memoryLimit", description.Keys);
    }

    public void Dispose() => _functions.Dispose();

    internal static async Task<string> GetAsync(IRuntimeInstance instance, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(instance.BaseAddress, path));
        using var response = await instance.Invoker.SendAsync(request, CancellationToken.None);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }
}
