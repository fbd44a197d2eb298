using System.Net;
using System.Net.Http.Json;
using System.Text;
using Stasis.Client.Model;

namespace Stasis.FunctionalTests.Provisioning;

/// <summary>The server as a real process, killed with SIGKILL: orphans, provisioned targets and the meter survive it.</summary>
public sealed class ServerCrashTests : IAsyncLifetime
{
    private readonly ServerProcess _server = new();

    [Fact]
    public async Task Kill9_RestartStopsOrphansRestoresTargetAndBillsIdleAndActiveTime()
    {
        var http = await _server.StartAsync();
        var spec = ServerFixture.Echo("crashy");
        (await http.PutAsJsonAsync("api/v1/functions/crashy", spec, JsonDefaults.Options)).EnsureSuccessStatusCode();
        (await http.PutAsync("api/v1/functions/crashy/provision", new StringContent("""{"defaultTarget": 1, "alwaysAllocateCPU": false}""", Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        await ServerFixture.Until(async () => (await Provision(http)).Frozen == 1, "frozen");
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("fn/crashy/invoke", new StringContent("x"))).StatusCode);
        await ServerFixture.Until(async () => (await Provision(http)).Frozen == 1, "frozen again");
        var orphan = (await http.GetFromJsonAsync<List<InstanceInfo>>("api/v1/functions/crashy/instances", JsonDefaults.Options))!.Single();
        await Task.Delay(2500); // a few heartbeats of idle time

        await _server.KillAsync(); // SIGKILL: nothing is stopped or flushed
        Assert.True(ServerFixture.ProcessAlive(orphan.Pid!.Value), "the instance outlives a killed server");

        var again = await _server.StartAsync();
        await ServerFixture.Until(() => Task.FromResult(!ServerFixture.ProcessAlive(orphan.Pid!.Value)), "the orphan is stopped");
        await ServerFixture.Until(async () => (await Provision(again)).Current == 1, "the provisioned target is restored");

        var bill = (await again.GetFromJsonAsync<BillReport>("api/v1/bill?function=crashy", JsonDefaults.Options))!;
        var old = bill.Functions.Single().Instances.Single(i => i.InstanceId == orphan.Id);
        Assert.True(old.IdleSeconds >= 1, $"idle {old.IdleSeconds}s");
        Assert.True(old.ActiveSeconds > 0, $"active {old.ActiveSeconds}s");
        Assert.True(old.To <= DateTimeOffset.UtcNow);
        var p = bill.Prices;
        var memoryGb = (decimal)old.MemoryGb;
        var expectedCu = old.ActiveSeconds * memoryGb * p.MemoryActiveCuPerGbSecond + old.IdleSeconds * memoryGb * p.MemoryIdleCuPerGbSecond
            + old.ActiveSeconds * (decimal)old.Vcpu * p.VcpuActiveCuPerSecond + old.IdleSeconds * (decimal)old.Vcpu * p.VcpuIdleCuPerSecond;
        Assert.Equal(Math.Round(expectedCu, 6), Math.Round(old.Cu, 6));
        Assert.Equal(Math.Round(old.Cu * p.CuPriceUsd, 6), Math.Round(old.CostUsd, 6));

        (await again.DeleteAsync("api/v1/functions/crashy")).EnsureSuccessStatusCode();
    }

    private static async Task<ProvisionInfo> Provision(HttpClient http) =>
        (await http.GetFromJsonAsync<ProvisionInfo>("api/v1/functions/crashy/provision", JsonDefaults.Options))!;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _server.DisposeAsync();
}
