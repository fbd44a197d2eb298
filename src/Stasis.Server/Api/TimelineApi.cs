using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Stasis.Client.Model;
using Stasis.Server.Functions;
using Stasis.Server.Instances;
using Stasis.Server.Metrics;

namespace Stasis.Server.Api;

/// <summary>
/// GET /api/v1/functions/{name}/timeline?since=1h: what state each instance of the function was in since then (default,
/// and at most, the last hour, which is what instances keep), live instances and those that ended in the window.
/// </summary>
internal static class TimelineApi
{
    public static void MapTimelineApi(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/api/v1/functions/{name}/timeline", Get).RequireFunctionName();

    private static IResult Get(string name, string? since, FunctionRegistry registry, TimeProvider time)
    {
        var now = time.GetUtcNow();
        var earliest = now - StateTimeline.Kept;
        var from = earliest;
        if (!string.IsNullOrEmpty(since) && !MetricsSince.TryParse(since, now, out from))
        {
            return ApiErrors.Error(400, "InvalidSince", $"since '{since}' is not a time; use {MetricsSince.Forms}.");
        }

        if (!registry.TryGetDispatcher(name, out var dispatcher))
        {
            return ApiErrors.FunctionNotFound(name);
        }

        from = from < earliest ? earliest : from > now ? now : from;
        return Results.Json(new TimelineReport
        {
            FunctionName = name,
            Since = from,
            Until = now,
            Instances = dispatcher.Timeline(from, now),
        }, JsonDefaults.Options);
    }
}
