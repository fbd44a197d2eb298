using System.Globalization;
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
/// then (default the last hour), oldest first, with each instance's figures when asked. With <c>points=N</c> the
/// intervals are merged into at most N points (<see cref="MetricsDownsampler"/>); per-instance figures are not merged,
/// so <c>points</c> and <c>instances=true</c> do not combine.
/// </summary>
internal static class MetricsApi
{
    public static void MapMetricsApi(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/api/v1/functions/{name}/metrics", Get).RequireFunctionName();

    private static IResult Get(string name, string? since, string? instances, string? points, FunctionRegistry registry, IMetricsArchive store, MetricsCollector collector, TimeProvider time)
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

        int? maxPoints = null;
        if (points is not null)
        {
            if (!int.TryParse(points, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > MetricsDownsampler.MaxPoints)
            {
                return ApiErrors.Error(400, "InvalidPoints", $"points must be a whole number from 1 to {MetricsDownsampler.MaxPoints}, not '{points}'.");
            }

            if (withInstances)
            {
                return ApiErrors.Error(400, "InvalidPoints", "points and instances=true do not combine: per-instance figures are not merged; ask for one or the other.");
            }

            maxPoints = n;
        }

        if (!registry.TryGetDispatcher(name, out _) && !store.HasFunction(name))
        {
            return ApiErrors.FunctionNotFound(name);
        }

        var closed = store.Read(name, from, now, withInstances);
        var dtos = maxPoints is { } max
            ? MetricsDownsampler.Downsample(closed.Select(c => c.Function).ToList(), max, collector.Interval).Select(p => ToDto(new ClosedInterval(p, []), false)).ToList()
            : closed.Select(p => ToDto(p, withInstances)).ToList();
        return Results.Json(new MetricsReport
        {
            FunctionName = name,
            IntervalSeconds = collector.Interval.TotalSeconds,
            Since = from,
            Until = now,
            Points = dtos,
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
