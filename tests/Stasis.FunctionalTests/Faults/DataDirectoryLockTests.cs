using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Logging;
using Stasis.Client.Model;
using Stasis.Server.Hosting;
using Stasis.Server.Storage;

namespace Stasis.FunctionalTests.Faults;

/// <summary>
/// One server per data directory: a second server started on a directory another server runs on waits for it, then
/// refuses to start naming that process, and leaves its instances alone; once the first is gone (even by SIGKILL) the
/// directory is free at once.
/// </summary>
public sealed class DataDirectoryLockTests : IAsyncLifetime
{
    private readonly ServerProcess _server = new();

    [Fact]
    public async Task ASecondServerOnTheSameDirectory_IsRefusedNamingTheFirst_AndTouchesNothing_UntilTheFirstIsKilled()
    {
        var http = await _server.StartAsync();
        (await http.PutAsJsonAsync("api/v1/functions/held", ServerFixture.Echo("held"), JsonDefaults.Options)).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("fn/held/invoke")).StatusCode);
        var instance = (await http.GetFromJsonAsync<List<InstanceInfo>>("api/v1/functions/held/instances", JsonDefaults.Options))!.Single();

        var options = new StasisServerOptions { Listen = "127.0.0.1:0", DataDirectory = _server.DataDirectory, StoreLockWait = TimeSpan.FromSeconds(1) };
        var refused = await Assert.ThrowsAsync<StoreUnavailableException>(() => StasisServer.StartAsync(options, configureLogging: Quiet));

        Assert.Equal(
            $"the data directory {Path.GetFullPath(_server.DataDirectory)} is in use by another Stasis server (pid {_server.Process.Id} dotnet), "
            + "which did not stop within 1 s; stop that server, or start this one with another --data directory.",
            refused.Message);
        // The first server and its instance are untouched: no orphan sweep, no store migration, still serving.
        Assert.True(ServerFixture.ProcessAlive(instance.Pid!.Value), "the first server's instance is still running");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("fn/held/invoke")).StatusCode);
        Assert.Equal(instance.Id, (await http.GetFromJsonAsync<List<InstanceInfo>>("api/v1/functions/held/instances", JsonDefaults.Options))!.Single().Id);

        // SIGKILL: the kernel lets the lock go with the process, and the next server takes the directory at once.
        await _server.KillAsync();
        await using var next = await StasisServer.StartAsync(options, configureLogging: Quiet);
        await ServerFixture.Until(() => Task.FromResult(!ServerFixture.ProcessAlive(instance.Pid!.Value)), "the orphan is stopped");
    }

    [Fact]
    public async Task ASecondServerStartedWhileTheFirstStops_WaitsForItAndStarts()
    {
        await _server.StartAsync();
        var options = new StasisServerOptions { Listen = "127.0.0.1:0", DataDirectory = _server.DataDirectory, StoreLockWait = TimeSpan.FromSeconds(60) };

        // Start-up waits on the calling thread (as the store's lock wait does): run it beside this one.
        var starting = Task.Run(() => StasisServer.StartAsync(options, configureLogging: Quiet));
        await Task.Delay(500);
        Assert.False(starting.IsCompleted, "the second server waits while the first holds the directory");
        Gateway.GatewayTests.Signal(_server.Process.Id, 15); // SIGTERM: the first drains and stops

        await using var second = await starting.WaitAsync(TimeSpan.FromSeconds(60));
        // The first let the directory go as its host was disposed, its last step: it exits cleanly right after.
        await _server.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, _server.Process.ExitCode);
        using var http = new HttpClient { BaseAddress = second.Address };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("api/v1/status")).StatusCode);
    }

    private static void Quiet(ILoggingBuilder logging) => logging.SetMinimumLevel(LogLevel.Error);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _server.DisposeAsync();
}
