using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Stasis.Client.Specs;

namespace Stasis.Server.Api;

/// <summary>
/// Checks a function name that came with a request (the <c>{name}</c> of a route, a <c>?function=</c>) by FC's rule
/// before anything uses it: a name that passes is one path segment of ASCII letters, digits, '_' and '-', so it can
/// reach neither another directory (logs, data) nor anything but its own rows. Others get 400 <c>InvalidFunctionName</c>.
/// </summary>
internal static class FunctionNameFilter
{
    /// <summary>Answers 400 JSON, before the handler runs, when the route's <c>{name}</c> is not a function name.</summary>
    public static TBuilder RequireFunctionName<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
            Check(context.HttpContext.GetRouteValue("name") as string) ?? await next(context).ConfigureAwait(false));

    /// <summary>Null when <paramref name="name"/> is a function name, else the 400 to answer.</summary>
    public static IResult? Check(string? name) =>
        FunctionSpecValidator.FunctionNameProblem(name) is { } problem
            ? ApiErrors.Error(400, "InvalidFunctionName", $"not a function name: {problem}.")
            : null;
}
