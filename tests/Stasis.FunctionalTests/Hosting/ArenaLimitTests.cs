using System.Net.Http.Json;
using Stasis.Client.Model;

namespace Stasis.FunctionalTests.Hosting;

/// <summary>
/// <c>stasis server</c> starts itself over with MALLOC_ARENA_MAX set, so that glibc's arena limit holds from the first
/// allocation: the same process (same pid) ends up with at most 2 arenas, where a limit set from managed code leaves
/// the ones the runtime's threads made before it (7 or more).
/// </summary>
public sealed class ArenaLimitTests : IAsyncLifetime
{
    private readonly ServerProcess _server = new();

    [Fact]
    public async Task TheServerProcessHasAtMostTwoMallocArenas()
    {
        var http = await _server.StartAsync();

        var memory = (await http.GetFromJsonAsync<ServerStatus>("api/v1/status", JsonDefaults.Options))!.Memory!;

        Assert.Equal(2, memory.ArenaLimit);
        Assert.InRange(memory.Arenas ?? 0, 1, 2);
        var environment = await File.ReadAllTextAsync($"/proc/{_server.Process.Id}/environ");
        Assert.Contains("\0MALLOC_ARENA_MAX=2\0", "\0" + environment, StringComparison.Ordinal);
        var commandLine = await File.ReadAllTextAsync($"/proc/{_server.Process.Id}/cmdline");
        Assert.Contains("\0server\0", commandLine, StringComparison.Ordinal); // the same arguments
        Assert.Equal("dotnet", (await File.ReadAllTextAsync($"/proc/{_server.Process.Id}/comm")).Trim()); // and the same name in ps
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _server.DisposeAsync();
}
