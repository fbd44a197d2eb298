using System.Net.Http.Json;
using Stasis.Client.Model;

namespace Stasis.FunctionalTests.Lifecycle;

/// <summary>
/// <c>instances --all</c> after a restart: the instances of the earlier server run are listed from the store, ended,
/// beside the new run's (the list used to start empty with each run).
/// </summary>
public sealed class InstanceHistoryTests : IAsyncLifetime
{
    private readonly ServerProcess _server = new();

    [Fact]
    public async Task InstancesOfAnEarlierServerRunAreListedWithAll_AfterACleanStopAndAfterAKill()
    {
        var http = await _server.StartAsync();
        var spec = ServerFixture.Echo("history");
        (await http.PutAsJsonAsync("api/v1/functions/history", spec, JsonDefaults.Options)).EnsureSuccessStatusCode();
        (await http.GetAsync("fn/history/hello")).EnsureSuccessStatusCode();
        var first = Assert.Single(await Instances(http, all: false));
        await _server.StopAsync();

        http = await _server.StartAsync();
        Assert.Empty(await Instances(http, all: false));
        var listed = Assert.Single(await Instances(http, all: true));
        Assert.Equal((first.Id, "Stopped", "on-demand"), (listed.Id, listed.State, listed.Kind));
        Assert.NotNull(listed.StoppedAt);
        Assert.Equal(first.StartedAt, listed.StartedAt);

        // A second run's instance, then kill -9: both earlier instances are listed by the third run.
        (await http.GetAsync("fn/history/hello")).EnsureSuccessStatusCode();
        var second = Assert.Single(await Instances(http, all: false));
        await _server.KillAsync();
        http = await _server.StartAsync();
        var all = await Instances(http, all: true);
        Assert.Equal([second.Id, first.Id], all.Select(i => i.Id)); // newest first
        Assert.All(all, i => Assert.Equal("Stopped", i.State));
        Assert.Contains("server stopped without stopping it", all[0].Error, StringComparison.Ordinal);

        // And the CLI shows them.
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "stasis.dll"), "instances", "history", "--all", "--endpoint", http.BaseAddress!.ToString()])
        {
            RedirectStandardOutput = true,
        };
        using var process = System.Diagnostics.Process.Start(psi)!;
        var cli = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
        Assert.Contains(first.Id, cli, StringComparison.Ordinal);
        Assert.Contains(second.Id, cli, StringComparison.Ordinal);
    }

    private static async Task<List<InstanceInfo>> Instances(HttpClient http, bool all) =>
        (await http.GetFromJsonAsync<List<InstanceInfo>>($"api/v1/functions/history/instances?all={(all ? "true" : "false")}", JsonDefaults.Options))!;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _server.DisposeAsync();
}
