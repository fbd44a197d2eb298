using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Stasis.Client.Model;
using Stasis.FunctionalTests.Gateway;

namespace Stasis.FunctionalTests.Faults;

/// <summary>
/// A provisioned instance killed with SIGKILL in the middle of a request while other requests queue for the function
/// (the on-demand case is GatewayTests.Invoke_InstanceKilledMidRequest_Is502AndNextRequestGetsANewInstance).
/// </summary>
public sealed class InstanceKillTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task ProvisionedInstanceKilledMidRequest_ItsRequestIs502AtOnce_TheQueueIsServed_CurrentRecovers()
    {
        // Two provisioned instances of one slot each, and no room for on-demand ones: only they can serve.
        var spec = ServerFixture.Echo("kill-prov", concurrency: 1, timeout: 600, initTimeout: 30) with { MaxInstances = 2 };
        await fx.DeployAsync(spec);
        (await fx.Http.PutAsync("api/v1/functions/kill-prov/provision", new StringContent("""{"defaultTarget": 2}""", Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        await ServerFixture.Until(async () => (await Provision()).Current == 2, "two provisioned instances");

        // The doomed request would run for ten minutes; the other instance is busy for a few seconds; three wait.
        var doomed = fx.Http.GetAsync("fn/kill-prov/sleep?ms=600000");
        var victim = await Busy(1);
        var busy = fx.Http.GetAsync("fn/kill-prov/sleep?ms=4000");
        await Busy(2);
        var queued = Enumerable.Range(0, 3).Select(_ => fx.Http.PostAsync("fn/kill-prov/invoke", new StringContent("queued"))).ToList();
        await ServerFixture.Until(async () => (await Function()).Queued == 3, "three requests queued");

        GatewayTests.Signal(victim.Pid!.Value, 9);

        // At once: the function would still be sleeping for minutes, and its timeout is ten.
        using var response = await doomed.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var error = await GatewayTests.ReadError(response);
        Assert.Equal("InstanceError", error.Code);
        Assert.Contains(victim.Id, error.Message);

        foreach (var request in queued)
        {
            using var served = await request.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
            Assert.NotEqual(victim.Id, (string)JsonNode.Parse(await served.Content.ReadAsStringAsync())!["instance"]!);
        }

        using (var done = await busy.WaitAsync(TimeSpan.FromSeconds(60)))
        {
            Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        }

        await ServerFixture.Until(async () => (await Provision()).Current == 2, "the provisioned target is back to two");
        var live = (await fx.InstancesAsync("kill-prov")).Where(i => i.Kind == "provisioned").ToList();
        Assert.Equal(2, live.Count);
        Assert.DoesNotContain(live, i => i.Id == victim.Id || i.Pid == victim.Pid);
        var killed = (await fx.InstancesAsync("kill-prov", all: true)).Single(i => i.Id == victim.Id);
        Assert.Equal("Failed", killed.State);
        Assert.Contains("signal 9", killed.Error);
        Assert.EndsWith("while serving a request", killed.Error, StringComparison.Ordinal);
        Assert.False(ServerFixture.ProcessAlive(victim.Pid!.Value));
        Assert.Null((await Provision()).CurrentError); // a crash while serving is not a failure to provision

        (await fx.Http.DeleteAsync("api/v1/functions/kill-prov")).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task AnIdleInstanceKilledFromOutside_IsRecordedAsKilledWhileIdle_NotWhileServing()
    {
        await fx.DeployAsync(ServerFixture.Echo("kill-idle"));
        (await fx.Http.GetAsync("fn/kill-idle/hello")).EnsureSuccessStatusCode();
        var idle = Assert.Single(await fx.InstancesAsync("kill-idle"));
        await ServerFixture.Until(async () => (await fx.InstancesAsync("kill-idle")).Single().InFlight == 0, "the instance idle");

        GatewayTests.Signal(idle.Pid!.Value, 9);

        await ServerFixture.Until(async () => (await fx.InstancesAsync("kill-idle", all: true)).Any(i => i.Id == idle.Id && i.State == "Failed"), "the kill recorded");
        var killed = (await fx.InstancesAsync("kill-idle", all: true)).Single(i => i.Id == idle.Id);
        Assert.Contains("signal 9", killed.Error);
        Assert.EndsWith("while idle", killed.Error, StringComparison.Ordinal);
        (await fx.Http.DeleteAsync("api/v1/functions/kill-idle")).EnsureSuccessStatusCode();
    }

    /// <summary>Waits until <paramref name="count"/> instances have a request in flight; returns the one that took the latest.</summary>
    private async Task<InstanceInfo> Busy(int count)
    {
        List<InstanceInfo> busy = [];
        await ServerFixture.Until(async () => (busy = (await fx.InstancesAsync("kill-prov")).Where(i => i.InFlight == 1).ToList()).Count == count, $"{count} busy instance(s)");
        return busy.OrderByDescending(i => i.LastUsedAt).First();
    }

    private async Task<ProvisionInfo> Provision() =>
        (await fx.Http.GetFromJsonAsync<ProvisionInfo>("api/v1/functions/kill-prov/provision", JsonDefaults.Options))!;

    private async Task<FunctionInfo> Function() =>
        (await fx.Http.GetFromJsonAsync<FunctionInfo>("api/v1/functions/kill-prov", JsonDefaults.Options))!;
}
