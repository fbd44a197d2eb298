using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Stasis.Client.Model;
using Stasis.Server.Functions;
using Stasis.Server.Metering;
using Stasis.Server.Metrics;

namespace Stasis.Server.Api;

/// <summary>
/// GET /api/v1/functions/{name}/metrics?since=1h&amp;instances=true: the function's closed metrics intervals since
/// then (default the last hour), oldest first, with each instance's figures when asked.
/// </summary>
internal static class MetricsApi
{
    public static void MapMetricsApi(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/api/v1/functions/{name}/metrics", Get).RequireFunctionName();

    private static IResult Get(string name, string? since, string? instances, FunctionRegistry registry, MetricsStore store, MetricsCollector collector, TimeProvider time)
    {
        var now = time.GetUtcNow();
        var from = now.AddHours(-1);
        if (!string.IsNullOrEmpty(since) && !MetricsSince.TryParse(since, now, out from))
        {
            return ApiErrors.Error(400, "InvalidSince", $"since '{since}' is not a time; use {MetricsSince.Forms}.");
        }

        // "?instances" alone asks for them too.
        var withInstances = instances is { Length: 0 };
        if (instances is { Length: > 0 } && !bool.TryParse(instances, out withInstances))
        {
            return ApiErrors.Error(400, "InvalidInstances", $"instances '{instances}' must be true or false.");
        }

        if (!registry.TryGetDispatcher(name, out _) && !store.HasFunction(name))
        {
            return ApiErrors.FunctionNotFound(name);
        }

        var points = store.Read(name, from, now, withInstances);
        return Results.Json(new MetricsReport
        {
            FunctionName = name,
            IntervalSeconds = collector.Interval.TotalSeconds,
            Since = from,
            Until = now,
            Points = points.Select(p => ToDto(p, withInstances)).ToList(),
        }, JsonDefaults.Options);
    }

    internal static MetricsPoint ToDto(ClosedInterval closed, bool withInstances)
    {
        var p = closed.Function;
        return new MetricsPoint
        {
            Start = p.Start,
            End = p.End,
            Invocations = p.Invocations,
            Errors = p.Errors,
            LatencyP50Ms = p.LatencyP50Ms,
            LatencyP90Ms = p.LatencyP90Ms,
            LatencyP99Ms = p.LatencyP99Ms,
            QueueWaitP50Ms = p.QueueWaitP50Ms,
            QueueWaitP90Ms = p.QueueWaitP90Ms,
            QueueWaitP99Ms = p.QueueWaitP99Ms,
            InFlightAverage = p.InFlightAverage,
            InFlightMax = p.InFlightMax,
            ProvisionedConcurrencyUtilization = p.ProvisionedConcurrencyUtilization,
            CpuUtilization = p.CpuUtilization,
            MemoryBytes = p.MemoryBytes,
            GpuMemoryUtilization = p.GpuMemoryUtilization,
            ProvisionedTarget = p.ProvisionedTarget,
            ProvisionedCurrent = p.ProvisionedCurrent,
            InstancesByState = new InstanceStateCounts
            {
                Starting = p.Instances.Starting,
                Ready = p.Instances.Ready,
                Busy = p.Instances.Busy,
                Frozen = p.Instances.Frozen,
                Draining = p.Instances.Draining,
            },
            Samples = p.Samples,
            Instances = withInstances
                ? closed.Instances.Select(i => new InstanceMetrics
                {
                    InstanceId = i.InstanceId,
                    Kind = MeterNames.Of(i.Kind),
                    State = i.State.ToString().ToLowerInvariant(),
                    Slots = i.Slots,
                    InFlightAverage = i.InFlightAverage,
                    InFlightMax = i.InFlightMax,
                    CpuUtilization = i.CpuUtilization,
                    MemoryBytes = i.MemoryBytes,
                    GpuMemoryBytes = i.GpuMemoryBytes,
                }).ToList()
                : null,
        };
    }
}
