using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Stasis.Server.Api;
using Stasis.Server.Security;

namespace Stasis.Server.WebConsole;

/// <summary>
/// Serves the web console at <c>/console/</c>: a single page (hash-routed) and its scripts and styles, from
/// the files embedded in the server. Every answer is revalidated by ETag, so a new server version is
/// picked up on reload without stale scripts. The files are public; the API calls the console makes need a key where
/// the server asks for one (its sign-in dialog opens on a 401).
/// </summary>
internal static class ConsoleEndpoint
{
    public const string Prefix = "/console";

    public static void MapConsole(this IEndpointRouteBuilder routes)
    {
        routes.MapGet(Prefix + "/{**path}", Serve).WithMetadata(PublicEndpoint.Instance); // matches /console too
    }

    private static IResult Serve(string? path, HttpContext context)
    {
        if (string.IsNullOrEmpty(path) && !context.Request.Path.Value!.EndsWith('/'))
        {
            return Results.Redirect(Prefix + "/"); // relative script paths resolve under /console/
        }

        var file = string.IsNullOrEmpty(path) ? "index.html" : path;
        if (!ConsoleAssets.TryGet(file, out var asset))
        {
            return ApiErrors.Error(404, "NotFound", $"the console has no file '{file}'; open {Prefix}/.");
        }

        var headers = context.Response.Headers;
        headers.ETag = asset.ETag;
        headers.CacheControl = "no-cache";
        headers["X-Content-Type-Options"] = "nosniff";
        if (file == "index.html")
        {
            // The console talks only to this server; nothing else may frame or script it (inline styles size charts and bars).
            headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";
        }

        if (context.Request.Headers.IfNoneMatch == asset.ETag)
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(asset.Content, asset.ContentType);
    }
}
