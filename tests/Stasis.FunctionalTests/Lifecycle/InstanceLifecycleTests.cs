using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Stasis.Client.Model;
using Stasis.FunctionalTests.Gateway;
using Stasis.Server.Hosting;

namespace Stasis.FunctionalTests.Lifecycle;

public sealed class InstanceLifecycleTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    [Theory]
    [InlineData("exit", 20, "exited with code 3", "cannot load model")]
    [InlineData("noport", 5, "did not open port 9000 within 5s", "starting slowly")]
    public async Task Invoke_FunctionThatCannotStart_Is503WithTheReasonAndLeavesNothingRunning(string mode, int initTimeout, string reason, string output)
    {
        var marker = "marker-" + Guid.NewGuid().ToString("N");
        var name = "start-" + mode;
        var spec = ServerFixture.Echo(name, new() { ["START_MODE"] = mode }, initTimeout: initTimeout);
        await fx.DeployAsync(spec with { CustomContainerConfig = spec.CustomContainerConfig! with { Command = ["app.py", marker] } });

        using var response = await fx.Http.PostAsync($"fn/{name}/invoke", new StringContent("x"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var error = await GatewayTests.ReadError(response);
        Assert.True(error.Message.Contains(reason, StringComparison.Ordinal), error.Message);
        Assert.Equal("InstanceStartFailed", error.Code);
        Assert.Contains(output, error.Message);
        var failed = (await fx.InstancesAsync(name, all: true)).Single();
        Assert.Equal("Failed", failed.State);
        Assert.Contains(reason, failed.Error);
        await ServerFixture.Until(() => Task.FromResult(ProcessTable.WithMarker(marker).Count == 0), "no process of the failed instance is left");
    }

    [Theory]
    [InlineData("fail", 20, "answered 500: model failed to load")]
    [InlineData("hang", 6, "did not answer within 6s")]
    public async Task Invoke_InitializerFailsOrHangs_InstanceNeverServesAndIsStopped(string mode, int initTimeout, string reason)
    {
        var marker = "marker-" + Guid.NewGuid().ToString("N");
        var name = "init-" + mode;
        var spec = ServerFixture.Echo(name, new() { ["INIT_MODE"] = mode }, initTimeout: initTimeout);
        await fx.DeployAsync(spec with { CustomContainerConfig = spec.CustomContainerConfig! with { Command = ["app.py", marker] } });

        using var response = await fx.Http.PostAsync($"fn/{name}/invoke", new StringContent("x"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var message = (await GatewayTests.ReadError(response)).Message;
        Assert.True(message.Contains(reason, StringComparison.Ordinal), message);
        Assert.Contains(reason, (await fx.InstancesAsync(name, all: true)).Single().Error);
        var log = await fx.Http.GetStringAsync($"api/v1/functions/{name}/logs");
        Assert.Contains("FC Initialize Failed", log);
        await ServerFixture.Until(() => Task.FromResult(ProcessTable.WithMarker(marker).Count == 0), "the instance's process is stopped");
    }

    [Fact]
    public async Task Redeploy_RollsInstances_NewOneServesAndOldOneGetsPreStop()
    {
        var v1 = ServerFixture.Echo("rolling", new() { ["GREETING"] = "v1" });
        await fx.DeployAsync(v1);
        var before = JsonNode.Parse(await fx.Http.GetStringAsync("fn/rolling/invoke"))!;
        Assert.Equal("v1", (string?)before["env"]!["GREETING"]);
        var old = (await fx.InstancesAsync("rolling")).Single();

        var info = await fx.DeployAsync(v1 with { EnvironmentVariables = new() { ["GREETING"] = "v2" } });
        Assert.Equal(2, info.Version);
        await ServerFixture.Until(async () => (await fx.InstancesAsync("rolling")) is { Count: 1 } l && l[0].Version == 2 && l[0].State == "Ready", "the old instance is replaced");

        var after = JsonNode.Parse(await fx.Http.GetStringAsync("fn/rolling/invoke"))!;
        Assert.Equal("v2", (string?)after["env"]!["GREETING"]);
        Assert.Equal(old.Id, (string)before["instance"]!);
        Assert.Contains($"pre-stop of {old.Id}", File.ReadAllText(Path.Combine(fx.DataDirectory, "logs", "rolling", "function.log")));
        Assert.False(ServerFixture.ProcessAlive(old.Pid!.Value));
    }

    [Fact]
    public async Task Redeploy_SameSpec_IsUnchangedAndKeepsInstances()
    {
        var spec = ServerFixture.Echo("same-spec");
        await fx.DeployAsync(spec);
        await fx.Http.GetStringAsync("fn/same-spec/invoke");

        using var response = await fx.Http.PutAsJsonAsync("api/v1/functions/same-spec", spec, JsonDefaults.Options);
        var result = await response.Content.ReadFromJsonAsync<DeployResult>(JsonDefaults.Options);

        Assert.Equal("unchanged", result!.Outcome);
        Assert.Equal(1, result.Function.Version);
        Assert.Single(await fx.InstancesAsync("same-spec"));
    }

    [Fact]
    public async Task Delete_StopsTheInstancesAndTheFunctionIsGone()
    {
        await fx.DeployAsync(ServerFixture.Echo("to-delete"));
        using (await fx.Http.GetAsync("fn/to-delete/invoke"))
        {
        }

        var pid = (await fx.InstancesAsync("to-delete")).Single().Pid!.Value;

        using var delete = await fx.Http.DeleteAsync("api/v1/functions/to-delete");

        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.False(ServerFixture.ProcessAlive(pid));
        using var invoke = await fx.Http.GetAsync("fn/to-delete/invoke");
        Assert.Equal(HttpStatusCode.NotFound, invoke.StatusCode);
        using var again = await fx.Http.DeleteAsync("api/v1/functions/to-delete");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task IdleOnDemandInstance_IsStoppedAfterItsIdleTimeout()
    {
        await fx.DeployAsync(ServerFixture.Echo("idle") with { IdleTimeout = 1 });
        using (await fx.Http.GetAsync("fn/idle/invoke"))
        {
        }

        var pid = (await fx.InstancesAsync("idle")).Single().Pid!.Value;

        await ServerFixture.Until(async () => (await fx.InstancesAsync("idle")).Count == 0, "the idle instance is stopped");

        Assert.False(ServerFixture.ProcessAlive(pid));
        Assert.Equal("Stopped", (await fx.InstancesAsync("idle", all: true)).Single().State);
    }

    [Fact]
    public async Task ServerStop_DrainsInFlightRequestAndStopsEveryInstance_ThenRestartKeepsFunctions()
    {
        var data = Path.Combine(fx.DataDirectory, "own-server");
        var options = new StasisServerOptions { Listen = "127.0.0.1:0", DataDirectory = data, StopGrace = TimeSpan.FromSeconds(2) };
        int pid;
        string instance;
        await using (var server = await StasisServer.StartAsync(options, configureLogging: l => l.SetMinimumLevel(LogLevel.Warning)))
        {
            using var http = new HttpClient { BaseAddress = server.Address };
            var spec = ServerFixture.Echo("persisted");
            (await http.PutAsJsonAsync("api/v1/functions/persisted", spec, JsonDefaults.Options)).EnsureSuccessStatusCode();
            instance = (string)JsonNode.Parse(await http.GetStringAsync("fn/persisted/invoke"))!["instance"]!;
            var listed = JsonNode.Parse(await http.GetStringAsync("api/v1/functions/persisted/instances"))!.AsArray();
            pid = (int)listed.Single()!["pid"]!;

            var inFlight = http.GetAsync("fn/persisted/sleep?ms=1500");
            await ServerFixture.Until(async () => (await http.GetStringAsync("api/v1/functions/persisted/instances")).Contains("\"inFlight\":1", StringComparison.Ordinal), "request in flight");
            await server.StopAsync();

            using var drained = await inFlight;
            Assert.Equal(HttpStatusCode.OK, drained.StatusCode);
        }

        Assert.False(ServerFixture.ProcessAlive(pid));
        Assert.Contains($"pre-stop of {instance}", File.ReadAllText(Path.Combine(data, "logs", "persisted", "function.log")));

        await using (var again = await StasisServer.StartAsync(options, configureLogging: l => l.SetMinimumLevel(LogLevel.Warning)))
        {
            using var http = new HttpClient { BaseAddress = again.Address };
            var functions = await http.GetFromJsonAsync<List<FunctionInfo>>("api/v1/functions", JsonDefaults.Options);
            Assert.Equal("persisted", Assert.Single(functions!).Spec.FunctionName);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("fn/persisted/invoke")).StatusCode);
        }
    }
}
