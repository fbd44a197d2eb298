using System.Net.Http.Json;
using System.Text;
using Stasis.Client.Model;

namespace Stasis.FunctionalTests.Provisioning;

/// <summary>
/// On a GPU function idle mode follows alwaysAllocateGPU, as on FC: a put of alwaysAllocateCPU: false alone says that
/// it leaves the instances warm (it was taken without a word).
/// </summary>
public sealed class GpuIdleModeNoticeTests(ServerFixture fx) : IClassFixture<ServerFixture>
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

    private async Task<ProvisionInfo> Put(string json)
    {
        using var response = await fx.Http.PutAsync("api/v1/functions/gpu-idle/provision", new StringContent(json, Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<ProvisionInfo>(JsonDefaults.Options))!;
    }
}
