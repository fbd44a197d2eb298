using Microsoft.AspNetCore.Http;
using Stasis.Server.Scheduling;

namespace Stasis.Server.Gateway;

/// <summary>What the transformer needs to know about the invocation it forwards (an HttpContext feature).</summary>
internal sealed record GatewayCall(string RequestId, GatewayRoute Route, PathString Path, Lease Lease);
