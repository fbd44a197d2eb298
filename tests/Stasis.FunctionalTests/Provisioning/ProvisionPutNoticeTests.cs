using System.Net.Http.Json;
using System.Text;
using Stasis.Client.Model;

namespace Stasis.FunctionalTests.Provisioning;

/// <summary>
/// What a provision put says besides its fields: on a GPU function idle mode follows alwaysAllocateGPU, as on FC, so a put
/// of alwaysAllocateCPU: false alone says that
/// it leaves the instances warm; a put that leaves out the policies says it kept the previous ones (both were silent).
/// </summary>
public sealed class ProvisionPutNoticeTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task AlwaysAllocateCpuFalseOnAGpuFunction_SaysIdleModeFollowsTheGpuSwitch()
    {
        await fx.DeployAsync(ServerFixture.Echo("gpu-idle") with { GpuConfig = new GpuConfig { GpuMemorySize = 8192 } });

        var cpuOnly = await Put("""{"defaultTarget": 0, "alwaysAllocateCPU": false}""");
        Assert.False(cpuOnly.IdleMode);
        var notice = Assert.Single(cpuOnly.Notices);
        Assert.Contains("idle mode follows alwaysAllocateGPU, which is true", notice, StringComparison.Ordinal);
        Assert.Contains("--always-allocate-gpu false", notice, StringComparison.Ordinal);

        var gpuOff = await Put("""{"defaultTarget": 0, "alwaysAllocateCPU": false, "alwaysAllocateGPU": false}""");
        Assert.True(gpuOff.IdleMode);
        Assert.Empty(gpuOff.Notices);
    }

    [Fact]
    public async Task APutThatLeavesOutThePolicies_SaysItKeptThePreviousOnes()
    {
        await fx.DeployAsync(ServerFixture.Echo("kept-policies"));
        var first = await Put("""
            {"defaultTarget": 0, "targetTrackingPolicies": [{"name": "pcu", "metricType": "ProvisionedConcurrencyUtilization", "metricTarget": 0.6, "minCapacity": 0, "maxCapacity": 2}]}
            """, "kept-policies");
        Assert.Empty(first.Notices);

        var second = await Put("""{"defaultTarget": 0}""", "kept-policies");
        Assert.Single(second.TargetTrackingPolicies);
        Assert.Equal("kept the 1 target-tracking policies of the previous config; send \"targetTrackingPolicies\": [] to remove them", Assert.Single(second.Notices));

        var cleared = await Put("""{"targetTrackingPolicies": []}""", "kept-policies");
        Assert.Empty(cleared.TargetTrackingPolicies);
        Assert.Empty(cleared.Notices);
    }

    private async Task<ProvisionInfo> Put(string json, string function = "gpu-idle")
    {
        using var response = await fx.Http.PutAsync($"api/v1/functions/{function}/provision", new StringContent(json, Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<ProvisionInfo>(JsonDefaults.Options))!;
    }
}
