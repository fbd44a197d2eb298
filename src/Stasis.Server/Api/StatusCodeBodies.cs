using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Stasis.Server.Gateway;

namespace Stasis.Server.Api;

/// <summary>
/// Gives the error answers ASP.NET Core makes on its own, with an empty body, the API's JSON body: a path whose
/// route takes other methods (405), a request the framework could not read (400), a body over the server's
/// limit (413). A function's own answers through the gateway (<c>/fn/...</c>) are left as the function made them.
/// </summary>
internal static class StatusCodeBodies
{
    public static Task WriteAsync(StatusCodeContext context)
    {
        var http = context.HttpContext;
        if (http.Request.Path.StartsWithSegments(GatewayEndpoint.Prefix, StringComparison.Ordinal))
        {
            return Task.CompletedTask;
        }

        var (method, path, status) = (http.Request.Method, http.Request.Path.ToString(), http.Response.StatusCode);
        var allow = http.Response.Headers.Allow.ToString();
        var (code, message) = status switch
        {
            400 => ("BadRequest", $"{method} {path} could not be read; check its query parameters and body."),
            404 => ("NotFound", $"no route for {method} {path}; functions are at /fn/NAME/..., the API at /api/v1/..."),
            405 => ("MethodNotAllowed", allow.Length > 0 ? $"{path} does not take {method}; it takes {allow}." : $"{path} does not take {method}."),
            413 => ("PayloadTooLarge", $"the body of {method} {path} is over the server's limit; send a smaller one."),
            415 => ("UnsupportedMediaType", $"{method} {path} does not take a body of type {http.Request.ContentType}; send JSON."),
            _ => ($"Http{status}", $"{method} {path} was answered {status}."),
        };
        return ApiErrors.Error(status, code, message).ExecuteAsync(http);
    }
}
