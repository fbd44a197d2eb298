using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Stasis.Client.Model;
using Stasis.Server.Functions;
using Stasis.Server.Hosting;
using Stasis.Server.Runtime;
using Stasis.Server.Storage;

namespace Stasis.Server.Api;

/// <summary>GET /api/v1/status: what this server is, what its runtime could use on this host, and whether its store takes writes.</summary>
internal static class StatusApi
{
    public static void MapStatusApi(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/api/v1/status", (StasisServerOptions options, IInstanceRuntime runtime, FunctionRegistry registry, StasisDb db, StorageReport storage) =>
        {
            var dispatchers = registry.All;
            return Results.Json(new ServerStatus
            {
                Version = ServerVersion.Current,
                Listen = options.Listen,
                DataDirectory = Path.GetDirectoryName(db.FilePath)!,
                Runtime = runtime.Name,
                RuntimeDetails = new Dictionary<string, string>(runtime.Describe()),
                Functions = dispatchers.Count,
                Instances = dispatchers.Sum(d => d.Snapshot(false).Count),
                MaxInstancesTotal = options.Limits.EffectiveMaxInstancesTotal,
                Storage = storage.Now(),
            }, JsonDefaults.Options);
        });
}
