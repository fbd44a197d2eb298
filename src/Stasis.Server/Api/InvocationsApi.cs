using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Stasis.Client.Model;
using Stasis.Server.Functions;
using Stasis.Server.Metrics;
using Stasis.Server.Scheduling;

namespace Stasis.Server.Api;

/// <summary>
/// GET /api/v1/functions/{name}/invocations?limit=100: the function's most recent invocations, newest first, from the
/// last <see cref="InvocationRing.Capacity"/> its recorder keeps in memory.
/// </summary>
internal static class InvocationsApi
{
    public const int DefaultLimit = 100;

    public static void MapInvocationsApi(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/api/v1/functions/{name}/invocations", Get).RequireFunctionName();

    private static IResult Get(string name, string? limit, FunctionRegistry registry, MetricsCollector collector)
    {
        if (!registry.TryGetDispatcher(name, out _))
        {
            return ApiErrors.FunctionNotFound(name);
        }

        var count = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count is < 1 or > InvocationRing.Capacity))
        {
            return ApiErrors.Error(400, "InvalidLimit", $"limit must be a whole number from 1 to {InvocationRing.Capacity}, not '{limit}'.");
        }

        var recent = collector.RecentInvocations(name, count);
        var invocations = new List<InvocationInfo>(recent.Length);
        foreach (var r in recent)
        {
            invocations.Add(new InvocationInfo
            {
                RequestId = r.RequestId,
                StartedAt = r.StartedAt,
                Method = r.Method,
                Path = "/" + r.Path,
                Status = r.Status,
                FunctionError = r.FunctionError,
                DurationMs = r.DurationMs,
                QueueMs = r.QueueMs,
                InstanceId = r.InstanceId,
                Arrival = r.Arrival?.Name(),
            });
        }

        return Results.Json(new InvocationsReport { FunctionName = name, Invocations = invocations }, JsonDefaults.Options);
    }
}
