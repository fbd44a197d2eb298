using System.Globalization;
using Microsoft.AspNetCore.Http;
using Stasis.Client.Model;
using Stasis.Server.Hosting;

namespace Stasis.Server.Api;

/// <summary>Control API errors: JSON <c>{"code", "message", "details"}</c> with the right status.</summary>
internal static class ApiErrors
{
    public static IResult Error(int status, string code, string message, List<string>? details = null) =>
        Results.Json(new ErrorBody(code, message) { Details = details }, JsonDefaults.Options, statusCode: status);

    public static IResult FunctionNotFound(string name) =>
        Error(404, "FunctionNotFound", $"function '{name}' does not exist; `./stasis functions` lists the deployed ones.");

    /// <summary>What Kestrel's complaint about a request means for the client, naming the limit it broke.</summary>
    public static string Describe(BadHttpRequestException e, StasisServerOptions options) => e.StatusCode switch
    {
        408 => SlowBody(options.Limits),
        413 => $"the request body exceeds the limit of {options.MaxRequestBodyBytes} bytes (the server's --max-body).",
        _ => e.Message,
    };

    /// <summary>The message of a 408 for a body that came too slowly (<c>--min-request-rate</c>).</summary>
    public static string SlowBody(ServerLimits limits) => string.Create(CultureInfo.InvariantCulture,
        $"the request body came slower than {limits.EffectiveMinRequestBodyBytesPerSecond:0.###} bytes/s for more than {limits.EffectiveMinDataRateGrace.TotalSeconds:0.###}s; send it faster (the server's --min-request-rate).");

    /// <summary>The code of an error the framework raised, from its status.</summary>
    public static string CodeOf(int status) => status switch
    {
        408 => "RequestTimeout",
        413 => "PayloadTooLarge",
        >= 500 => "InternalError",
        _ => "BadRequest",
    };
}
