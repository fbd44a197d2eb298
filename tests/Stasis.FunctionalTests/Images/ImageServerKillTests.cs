using System.Net.Http.Json;
using Stasis.Client.Model;

namespace Stasis.FunctionalTests.Images;

/// <summary>A server killed with SIGKILL while an image instance runs leaves no container, mount or process once it is restarted.</summary>
[Collection("images")]
public sealed class ImageServerKillTests(ImageServerFixture fx) : IAsyncLifetime
{
    private readonly ServerProcess _server = new();

    [Fact]
    public async Task Kill9_WithAnImageInstanceRunning_RestartLeavesNoContainerMountOrProcess()
    {
        var http = await _server.StartAsync();
        (await http.PostAsJsonAsync("api/v1/images/load", new LoadImageRequest { Path = fx.Archive }, JsonDefaults.Options)).EnsureSuccessStatusCode();
        (await http.PutAsJsonAsync("api/v1/functions/killed", ImageServerFixture.ImageOnly("killed"), JsonDefaults.Options)).EnsureSuccessStatusCode();
        (await http.GetAsync("fn/killed/invoke")).EnsureSuccessStatusCode();
        var instance = (await http.GetFromJsonAsync<List<InstanceInfo>>("api/v1/functions/killed/instances", JsonDefaults.Options))!.Single();
        Assert.Contains(Mounts(), m => m.Contains(instance.Id, StringComparison.Ordinal) && m.EndsWith("/rootfs", StringComparison.Ordinal));

        await _server.KillAsync();
        Assert.True(ServerFixture.ProcessAlive(instance.Pid!.Value), "the instance outlives the killed server");
        await _server.StartAsync();

        await ServerFixture.Until(() => Task.FromResult(!ServerFixture.ProcessAlive(instance.Pid!.Value)), "the orphaned instance is stopped", seconds: 60);
        Assert.DoesNotContain(Mounts(), m => m.Contains(instance.Id, StringComparison.Ordinal));
        Assert.DoesNotContain(Directory.GetDirectories("/run/stasis", "*", SearchOption.AllDirectories), d => d.Contains(instance.Id, StringComparison.Ordinal));
    }

    private static List<string> Mounts() =>
        File.ReadLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4]).Where(p => p.StartsWith("/run/stasis/", StringComparison.Ordinal)).ToList();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _server.DisposeAsync();
}
