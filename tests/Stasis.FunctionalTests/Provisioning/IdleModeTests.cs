using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Stasis.Client.Model;
using Stasis.FunctionalTests.Gateway;

namespace Stasis.FunctionalTests.Provisioning;

public sealed class IdleModeTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task ProvisionTarget2IdleMode_TwoFrozenInstances_ARequestThawsOneAndItAnswers()
    {
        await fx.DeployAsync(ServerFixture.Echo("idle-two"));

        var put = await Put("idle-two", """{"defaultTarget": 2, "alwaysAllocateCPU": false}""");
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        await ServerFixture.Until(async () => (await Provision("idle-two")) is { Current: 2, Frozen: 2 }, "two ready, frozen instances");

        var instances = await fx.InstancesAsync("idle-two");
        Assert.All(instances, i => Assert.Equal("Frozen", i.State));
        Assert.All(instances, i => Assert.Equal("provisioned", i.Kind));
        Assert.All(instances, i => Assert.True(IsFrozen(i.Pid!.Value), $"pid {i.Pid} is not frozen"));

        using var response = await fx.Http.PostAsync("fn/idle-two/invoke", new StringContent("Nice to meet you", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("thawed", response.Headers.GetValues("x-stasis-instance-state").Single());
        Assert.True(long.Parse(response.Headers.GetValues("x-stasis-billed-active-ms").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 0);
        Assert.Equal("Nice to meet you", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["body"]);
        await ServerFixture.Until(async () => (await Provision("idle-two")).Frozen == 2, "frozen again after the request");

        var list = await fx.Http.GetFromJsonAsync<List<ProvisionInfo>>("api/v1/provision", JsonDefaults.Options);
        var listed = Assert.Single(list!, p => p.FunctionName == "idle-two");
        Assert.Equal(2, listed.Target);
        Assert.Equal(2, listed.Current);
        Assert.False(listed.AlwaysAllocateCPU);

        using var remove = await fx.Http.DeleteAsync("api/v1/functions/idle-two/provision");
        Assert.Equal(HttpStatusCode.OK, remove.StatusCode);
        await ServerFixture.Until(async () => (await Provision("idle-two")).Current == 0 && (await fx.InstancesAsync("idle-two")).Count == 0, "released");
        var after = await fx.Http.GetFromJsonAsync<List<ProvisionInfo>>("api/v1/provision", JsonDefaults.Options);
        Assert.DoesNotContain(after!, p => p.FunctionName == "idle-two");
        Assert.All(instances, i => Assert.False(ServerFixture.ProcessAlive(i.Pid!.Value)));
    }

    [Fact]
    public async Task AlwaysAllocated_InstanceStaysWarmAndRequestsSeeWarm()
    {
        await fx.DeployAsync(ServerFixture.Echo("always-on"));
        await Put("always-on", """{"target": 1}""");
        await ServerFixture.Until(async () => (await Provision("always-on")).Current == 1, "one provisioned instance");

        using var response = await fx.Http.GetAsync("fn/always-on/invoke");

        Assert.Equal("warm", response.Headers.GetValues("x-stasis-instance-state").Single());
        Assert.Equal("Ready", (await fx.InstancesAsync("always-on")).Single().State);
    }

    [Fact]
    public async Task ProvisionFromSYamlProps_IsAppliedWithTheDeploy()
    {
        var spec = ServerFixture.Echo("from-yaml") with
        {
            ProvisionConfig = JsonNode.Parse("""{"defaultTarget": 1, "alwaysAllocateCPU": false}""")!.AsObject(),
        };

        await fx.DeployAsync(spec);

        await ServerFixture.Until(async () => (await Provision("from-yaml")) is { Current: 1, Frozen: 1 }, "provisioned and frozen");
    }

    [Theory]
    [InlineData("""{"defaultTarget": 10001}""", HttpStatusCode.BadRequest, "InvalidProvisionConfig")]
    [InlineData("""{"defaultTarget": -1}""", HttpStatusCode.BadRequest, "InvalidProvisionConfig")]
    [InlineData("""{"alwaysAllocateCPU": "maybe"}""", HttpStatusCode.BadRequest, "InvalidJson")]
    [InlineData("""{"defaultTarget": 1, "colour": "blue"}""", HttpStatusCode.BadRequest, "InvalidJson")]
    [InlineData("""{"defaultTarget": 1""", HttpStatusCode.BadRequest, "InvalidJson")]
    public async Task Put_BadInput_IsAJsonErrorAndChangesNothing(string body, HttpStatusCode status, string code)
    {
        await fx.DeployAsync(ServerFixture.Echo("bad-provision"));

        using var response = await Put("bad-provision", body);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(code, (await GatewayTests.ReadError(response)).Code);
        Assert.Equal(0, (await Provision("bad-provision")).Target);
    }

    [Fact]
    public async Task Put_UnknownFunctionOrQualifier_Is404()
    {
        await fx.DeployAsync(ServerFixture.Echo("qualified"));

        using var unknown = await Put("no-such-fn", """{"defaultTarget": 1}""");
        using var qualifier = await fx.Http.PutAsync("api/v1/functions/qualified/provision?qualifier=prod", Json("""{"defaultTarget": 1}"""));

        Assert.Equal("FunctionNotFound", (await GatewayTests.ReadError(unknown)).Code);
        Assert.Equal(HttpStatusCode.NotFound, qualifier.StatusCode);
        Assert.Equal("QualifierNotFound", (await GatewayTests.ReadError(qualifier)).Code);
    }

    private Task<HttpResponseMessage> Put(string name, string json) => fx.Http.PutAsync($"api/v1/functions/{name}/provision", Json(json));

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task<ProvisionInfo> Provision(string name) =>
        (await fx.Http.GetFromJsonAsync<ProvisionInfo>($"api/v1/functions/{name}/provision", JsonDefaults.Options))!;

    /// <summary>Frozen as the host's freezer shows it: cgroup v2 <c>cgroup.events</c> says <c>frozen 1</c>, or the process is stopped.</summary>
    private static bool IsFrozen(int pid)
    {
        foreach (var line in File.ReadAllLines($"/proc/{pid}/cgroup"))
        {
            if (line.StartsWith("0::", StringComparison.Ordinal))
            {
                foreach (var root in new[] { "/sys/fs/cgroup/unified", "/sys/fs/cgroup" })
                {
                    var events = Path.Combine(root + line[3..], "cgroup.events");
                    if (File.Exists(events))
                    {
                        return File.ReadAllText(events).Contains("frozen 1", StringComparison.Ordinal);
                    }
                }
            }
        }

        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return stat[stat.LastIndexOf(')') + 2] == 'T';
    }
}
