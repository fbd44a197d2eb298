using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Stasis.Server.Scheduling;
using Microsoft.AspNetCore.Http.Features;
using Stasis.Client.Auth;
using Yarp.ReverseProxy.Forwarder;

namespace Stasis.Server.Gateway;

/// <summary>
/// Forwards the path remainder after <c>/fn/NAME</c>, with FC's request headers, and returns
/// <c>x-fc-request-id</c>. Headers a client sends under FC's names are replaced, never trusted. On a call the gateway
/// authenticated (an <c>authType: function</c> trigger) the credentials stop here: <c>Authorization</c> and the
/// signature's <c>x-stasis-*</c> headers do not reach the function.
/// </summary>
internal sealed class FcRequestTransformer : HttpTransformer
{
    public static readonly FcRequestTransformer Instance = new();

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
        var call = httpContext.Features.GetRequiredFeature<GatewayCall>();
        proxyRequest.RequestUri = RequestUtilities.MakeDestinationAddress(destinationPrefix, call.Path, httpContext.Request.QueryString);
        var route = call.Route;
        var headers = proxyRequest.Headers;
        Set(headers, "x-fc-request-id", call.RequestId);
        Set(headers, "x-fc-function-name", route.Spec.FunctionName);
        Set(headers, "x-fc-function-memory", route.Memory);
        Set(headers, "x-fc-function-initializer", route.Initializer);
        Set(headers, "x-fc-initialization-timeout", route.InitializationTimeout);
        Set(headers, "x-fc-function-handler", route.Handler);
        Set(headers, "x-fc-qualifier", "LATEST");
        Set(headers, "x-fc-region", route.Region);
        route.Sessions?.OnForward(headers, call.Lease);
        if (route.RequiresKey(httpContext.Request.Method))
        {
            headers.Remove("Authorization");
            headers.Remove(RequestSigning.DateHeader);
            headers.Remove(RequestSigning.ContentHashHeader);
        }
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        var result = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken).ConfigureAwait(false);
        var call = httpContext.Features.GetRequiredFeature<GatewayCall>();
        var headers = httpContext.Response.Headers;
        headers["x-fc-request-id"] = call.RequestId;
        // What this request is billed (active time on its instance, from taking the slot, thaw included,
        // to the function's answer) and how it found the instance.
        headers["x-stasis-billed-active-ms"] = ((long)Math.Ceiling(call.Lease.BilledActive.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture);
        // How long the request waited in the function's queue for a slot (0 when one was free).
        headers["x-stasis-queue-ms"] = call.Lease.QueueWait.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture);
        headers["x-stasis-instance-state"] = call.Lease.Arrival.Name();
        call.Route.Sessions?.OnAnswer(httpContext.Response, proxyResponse, call.Lease);
        return result;
    }

    private static void Set(System.Net.Http.Headers.HttpRequestHeaders headers, string name, string value)
    {
        headers.Remove(name);
        headers.TryAddWithoutValidation(name, value);
    }
}
