using System.Text.Json;
using System.Text.Json.Nodes;
using Stasis.Client.Model;
using Stasis.Server.Hosting;

namespace Stasis.FunctionalTests.Fuzzing;

/// <summary>
/// A real server for the control API's fuzz properties, with the functions they aim at: <c>fuzz-echo</c>
/// (the echo function, invoked once, so it has an instance, log lines, metrics and a bill) and two functions
/// whose instances cannot start (their program does not exist, so a start fails before anything is spawned
/// and any provisioned target is cheap).
/// </summary>
public sealed class FuzzServerFixture : ServerFixture, IAsyncLifetime
{
    /// <summary>A valid spec of <c>fuzz-put</c>: every field the API reads, and a program that does not exist.</summary>
    public string FunctionSpec { get; } = new JsonObject
    {
        ["functionName"] = "fuzz-put",
        ["description"] = "fuzzed",
        ["region"] = "local",
        ["runtime"] = "custom-container",
        ["handler"] = "index.handler",
        ["timeout"] = 30,
        ["memorySize"] = 512,
        ["cpu"] = 0.5,
        ["diskSize"] = 512,
        ["gpuMemorySize"] = 0,
        ["instanceConcurrency"] = 4,
        ["maxInstances"] = 2,
        ["maxQueueLength"] = 16,
        ["idleTimeout"] = 60,
        ["schedulingPolicy"] = "join-idle-queue",
        ["internetAccess"] = true,
        ["code"] = Path.GetTempPath(),
        ["environmentVariables"] = new JsonObject { ["A"] = "1", ["B"] = "" },
        ["customContainerConfig"] = new JsonObject
        {
            ["image"] = "registry.example.com/fuzz:latest",
            ["entrypoint"] = new JsonArray("/nonexistent/fuzz-server"),
            ["command"] = new JsonArray("--port", "9000"),
            ["port"] = 9000,
        },
        ["gpuConfig"] = new JsonObject { ["gpuMemorySize"] = 0, ["gpuType"] = "fc.gpu.tesla.1" },
        ["instanceLifecycleConfig"] = new JsonObject
        {
            ["initializer"] = new JsonObject { ["handler"] = "init", ["timeout"] = 5 },
            ["preStop"] = new JsonObject { ["handler"] = "stop", ["timeout"] = 3 },
        },
        ["triggers"] = new JsonArray(new JsonObject
        {
            ["triggerName"] = "http",
            ["triggerType"] = "http",
            ["qualifier"] = "LATEST",
            ["triggerConfig"] = new JsonObject { ["authType"] = "anonymous", ["methods"] = new JsonArray("GET", "POST"), ["disableURLInternet"] = false },
        }),
        ["provisionConfig"] = new JsonObject { ["defaultTarget"] = 0, ["alwaysAllocateCPU"] = true },
        ["logConfig"] = new JsonObject { ["project"] = "p", ["logstore"] = "s" },
    }.ToJsonString();

    async Task IAsyncLifetime.InitializeAsync()
    {
        await base.InitializeAsync();
        await DeployAsync(Echo(ApiRequests.Live));
        using (var invoked = await Http.PostAsync($"fn/{ApiRequests.Live}/invoke", new StringContent("fuzz")))
        {
            Assert.True(invoked.IsSuccessStatusCode, $"the echo function did not answer: {(int)invoked.StatusCode}");
        }

        foreach (var name in new[] { ApiRequests.Provisioned, ApiRequests.Random })
        {
            var spec = JsonSerializer.Deserialize<FunctionSpec>(FunctionSpec, JsonDefaults.Options)! with { FunctionName = name, ProvisionConfig = null };
            await DeployAsync(spec);
        }
    }

    protected override StasisServerOptions Configure(StasisServerOptions options) => options with { MetricsInterval = TimeSpan.FromSeconds(1) };
}
