using Microsoft.AspNetCore.Http;
using Stasis.Server.Api;

namespace Stasis.Server.Hosting.Connections;

/// <summary>
/// For a request that arrives through a trusted proxy: the client address it forwards (<c>X-Forwarded-For</c>) is the
/// request's remote address from here on, and holds one of that address's places for as long as the request is in
/// flight, so that behind a load balancer one client still cannot take every connection the server has. Only in the
/// pipeline when <c>--trusted-proxy</c> is set.
/// </summary>
internal sealed class ForwardedClientMiddleware(RequestDelegate next, ConnectionGate gate)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Connection.RemoteIpAddress is not { } proxy || !gate.Proxies.Contains(proxy))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        var client = gate.Proxies.Client(proxy, context.Request.Headers["X-Forwarded-For"]);
        if (!gate.TryEnterForwarded(client))
        {
            context.Response.Headers.RetryAfter = "1";
            await ApiErrors.Error(StatusCodes.Status503ServiceUnavailable, "TooManyConnections",
                $"client {client} has its most requests in flight through the proxy ({gate.MaxPerAddress}, limits.maxConnectionsPerAddress); wait for some to finish, or raise the limit with --max-connections-per-address")
                .ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        context.Connection.RemoteIpAddress = client;
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            gate.LeaveForwarded(client);
        }
    }
}
