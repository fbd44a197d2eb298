using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Stasis.Server.Metrics;

/// <summary>
/// GET /metrics: the Prometheus text exposition. A route of the server's own, outside the gateway's <c>/fn</c>
/// prefix, so no function can answer for it or be reached through it.
/// </summary>
internal static class PrometheusEndpoint
{
    public const string Path = "/metrics";

    public static void MapPrometheus(this IEndpointRouteBuilder routes)
    {
        var metrics = routes.ServiceProvider.GetRequiredService<PrometheusMetrics>();
        routes.MapGet(Path, async (HttpContext context) =>
        {
            context.Response.ContentType = PrometheusMetrics.ContentType;
            context.Response.Headers.CacheControl = "no-store";
            await metrics.WriteAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
        }).WithDisplayName("prometheus");
    }
}
