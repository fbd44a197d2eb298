using Microsoft.AspNetCore.Http;
using Stasis.Client.Model;

namespace Stasis.Server.Gateway;

/// <summary>What the transformer needs to know about the invocation it forwards (an HttpContext feature).</summary>
internal sealed record GatewayCall(string RequestId, FunctionSpec Spec, PathString Path, string Region);
