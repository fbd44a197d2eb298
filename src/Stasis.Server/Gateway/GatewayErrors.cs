using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Stasis.Client.Model;

namespace Stasis.Server.Gateway;

/// <summary>Every error the gateway returns is <c>{"code", "message", "requestId"}</c> JSON.</summary>
internal static class GatewayErrors
{
    public static async Task WriteAsync(HttpContext context, int status, string code, string message, string? requestId)
    {
        if (context.Response.HasStarted)
        {
            // Too late for a status: cut the connection so the client sees a broken response, not a truncated "success".
            context.Abort();
            return;
        }

        context.Response.StatusCode = status;
        if (requestId is not null)
        {
            context.Response.Headers["x-fc-request-id"] = requestId;
        }

        context.Response.ContentType = "application/json; charset=utf-8";
        await JsonSerializer.SerializeAsync(context.Response.Body, new ErrorBody(code, message) { RequestId = requestId }, JsonDefaults.Options, context.RequestAborted).ConfigureAwait(false);
    }
}
