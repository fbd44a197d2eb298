using Microsoft.AspNetCore.Http;
using Stasis.Client.Model;

namespace Stasis.Server.Api;

/// <summary>Control API errors: JSON <c>{"code", "message", "details"}</c> with the right status.</summary>
internal static class ApiErrors
{
    public static IResult Error(int status, string code, string message, List<string>? details = null) =>
        Results.Json(new ErrorBody(code, message) { Details = details }, JsonDefaults.Options, statusCode: status);

    public static IResult FunctionNotFound(string name) =>
        Error(404, "FunctionNotFound", $"function '{name}' does not exist; `./stasis functions` lists the deployed ones.");
}
