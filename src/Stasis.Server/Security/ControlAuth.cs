using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Stasis.Server.Api;

namespace Stasis.Server.Security;

/// <summary>
/// The gate in front of every route but the public ones (<see cref="PublicEndpoint"/>: <c>/fn/**</c>, <c>/console/**</c>):
/// when credentials are required, a request without a valid key gets 401 and one whose key's scope does not allow it 403.
/// Not even installed when they are not required, so an open loopback server pays nothing.
/// </summary>
internal static class ControlAuth
{
    public static void UseControlAuth(this WebApplication app)
    {
        var settings = app.Services.GetRequiredService<AuthSettings>();
        if (!settings.Required)
        {
            return;
        }

        var authenticator = app.Services.GetRequiredService<RequestAuthenticator>();
        app.Use(async (context, next) =>
        {
            var endpoint = context.GetEndpoint();
            if (endpoint?.Metadata.GetMetadata<PublicEndpoint>() is not null)
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            var result = await authenticator.AuthenticateAsync(context).ConfigureAwait(false);
            if (result.Key is not { } key)
            {
                await WriteAsync(context, result).ConfigureAwait(false);
                return;
            }

            var adminOnly = endpoint?.Metadata.GetMetadata<AdminOnlyEndpoint>() is not null;
            if (!key.Scope.MayCall(context.Request.Method, adminOnly))
            {
                await ApiErrors.Error(403, "Forbidden", Forbidden(key, context.Request, adminOnly)).ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            context.Items[KeyItem] = key;
            await next(context).ConfigureAwait(false);
        });
    }

    /// <summary>Where the request's authenticated key is kept for the handlers (what they show depends on its scope).</summary>
    public const string KeyItem = "stasis.accessKey";

    /// <summary>Whether the request may see secrets (function environment values): an admin key, or a server that asks for no key.</summary>
    public static bool MaySeeSecrets(HttpContext context) =>
        context.Items.TryGetValue(KeyItem, out var key) is false || key is AccessKey { Scope.IsAdmin: true };

    /// <summary>Writes a refused authentication as the control API's JSON error, with its challenge or retry hint.</summary>
    public static Task WriteAsync(HttpContext context, AuthResult result)
    {
        AddHeaders(context.Response, result);
        return ApiErrors.Error(result.Status, result.Code, result.Message).ExecuteAsync(context);
    }

    /// <summary><c>WWW-Authenticate</c> on a 401, <c>Retry-After</c> on a 429.</summary>
    public static void AddHeaders(HttpResponse response, AuthResult result)
    {
        if (result.Status == 401)
        {
            response.Headers.WWWAuthenticate = AuthResult.Challenge;
        }

        if (result.RetryAfter is { } wait)
        {
            response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    private static string Forbidden(AccessKey key, HttpRequest request, bool adminOnly)
    {
        var what = $"{request.Method} {request.Path}";
        if (key.Scope.Function is { } function)
        {
            return $"access key {key.Id} has scope '{key.Scope}': it may only invoke {function}'s function-auth triggers, not {what}; use a read key (GET) or an admin key.";
        }

        return adminOnly
            ? $"access key {key.Id} has scope '{key.Scope}'; managing access keys ({what}) needs an admin key."
            : $"access key {key.Id} has scope '{key.Scope}', which allows GET only; {what} needs an admin key.";
    }
}
