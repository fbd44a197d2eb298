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
        routes.MapGet("/api/v1/status", (StasisServerOptions options, IInstanceRuntime runtime, FunctionRegistry registry, StasisDb db, StorageReport storage, NativeHeapTrimmer trimmer, ManagedHeapCompactor compactor, Hosting.Connections.ConnectionGate connections) =>
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
                Memory = Memory(options, trimmer, compactor),
                Connections = new ConnectionsStatus
                {
                    Open = connections.Open,
                    Limit = connections.MaxConnections,
                    PerAddressLimit = connections.MaxPerAddress,
                    RefusedServerLimit = connections.RefusedServerLimit,
                    RefusedAddressLimit = connections.RefusedAddressLimit,
                    OpenFilesLimit = connections.OpenFileLimit,
                    OpenFiles = OpenFiles.Open(),
                    TrustedProxies = connections.Proxies.Ranges,
                },
            }, JsonDefaults.Options);
        });

    private static MemoryStatus Memory(StasisServerOptions options, NativeHeapTrimmer trimmer, ManagedHeapCompactor compactor)
    {
        var gc = GC.GetGCMemoryInfo();
        var native = NativeHeap.Read();
        return new MemoryStatus
        {
            ResidentBytes = ProcessMemory.ResidentBytes(),
            ResidentAnonymousBytes = ProcessMemory.ResidentAnonymousBytes(),
            // Before the first collection there is no "after": what has been allocated so far stands in for it.
            ManagedHeapBytes = gc.Index == 0 ? GC.GetTotalMemory(forceFullCollection: false) : gc.HeapSizeBytes,
            ManagedCommittedBytes = gc.TotalCommittedBytes,
            NativeInUseBytes = native?.InUse,
            NativeFreeHeldBytes = native?.FreeHeld,
            SqliteBytes = Storage.StoreFaults.EngineMemoryBytes(),
            ArenaLimit = NativeHeap.ArenaLimit,
            Arenas = NativeHeap.Arenas(),
            TrimIntervalSeconds = trimmer.Enabled ? options.MemoryTrimInterval.TotalSeconds : 0,
            Trims = trimmer.Trims,
            TrimmedBytes = trimmer.TrimmedBytes,
            TrimSeconds = trimmer.TrimTime.TotalSeconds,
            CompactIntervalSeconds = compactor.Enabled ? options.MemoryCompactInterval.TotalSeconds : 0,
            Compactions = compactor.Compactions,
            CompactedBytes = compactor.CollectedBytes,
            CompactSeconds = compactor.CompactTime.TotalSeconds,
        };
    }
}
