using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Stasis.Server.Functions;

namespace Stasis.FunctionalTests.Storage;

/// <summary>
/// The store is the desired state: a function written to the catalog by someone else (another server, a tool),
/// bypassing this server's API, starts serving here; updated, it rolls; removed, it stops. The test awaits the
/// reconciler's applied revision, not a clock.
/// </summary>
public sealed class CatalogReconcilerTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task A_function_written_to_the_catalog_by_another_writer_is_applied_updated_and_removed()
    {
        var catalog = fx.Server.Services.GetRequiredService<IFunctionCatalog>();
        var registry = fx.Server.Services.GetRequiredService<FunctionRegistry>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var now = DateTimeOffset.UtcNow;

        catalog.Upsert(new FunctionRecord(ServerFixture.Echo("from-elsewhere"), 1, now, now));
        await registry.WaitForRevisionAsync(catalog.Revision(), timeout.Token);

        Assert.True(registry.TryGetDispatcher("from-elsewhere", out var dispatcher));
        using (var response = await fx.Http.GetAsync("fn/from-elsewhere/invoke"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        catalog.Upsert(new FunctionRecord(ServerFixture.Echo("from-elsewhere", timeout: 45), 2, now, now.AddMinutes(1)));
        await registry.WaitForRevisionAsync(catalog.Revision(), timeout.Token);
        Assert.Equal((2L, 45), (dispatcher.Record.Version, dispatcher.Record.Spec.Timeout));

        Assert.True(catalog.Delete("from-elsewhere"));
        await registry.WaitForRevisionAsync(catalog.Revision(), timeout.Token);
        Assert.False(registry.TryGetDispatcher("from-elsewhere", out _));
        using var gone = await fx.Http.GetAsync("fn/from-elsewhere/invoke");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task A_deploy_through_the_api_takes_the_same_path_and_the_reconciler_finds_nothing_to_do()
    {
        var registry = fx.Server.Services.GetRequiredService<FunctionRegistry>();
        var catalog = fx.Server.Services.GetRequiredService<IFunctionCatalog>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var info = await fx.DeployAsync(ServerFixture.Echo("deployed-here"));
        await registry.WaitForRevisionAsync(catalog.Revision(), timeout.Token);

        Assert.True(registry.TryGetDispatcher("deployed-here", out var dispatcher));
        Assert.Equal(info.Version, dispatcher.Record.Version);
        Assert.Single(registry.All, d => d.Name == "deployed-here");
    }
}
