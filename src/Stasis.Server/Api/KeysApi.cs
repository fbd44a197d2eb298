using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Stasis.Client.Model;
using Stasis.Server.Security;

namespace Stasis.Server.Api;

/// <summary>
/// Access keys (docs/security.md): <c>GET /api/v1/keys</c> lists them without secrets, <c>POST</c> creates one and shows
/// its token once, <c>DELETE /api/v1/keys/{id}</c> revokes one at once. Admin keys only, when credentials are required.
/// </summary>
internal static class KeysApi
{
    public const int MaxNameLength = 64;

    public static void MapKeysApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api/v1/keys").WithMetadata(AdminOnlyEndpoint.Instance);
        api.MapGet("", (AccessKeys keys) => Results.Json(keys.All.Select(k => Info(k)).ToList(), JsonDefaults.Options));
        api.MapPost("", Create);
        api.MapDelete("/{id}", Revoke);
    }

    private static async Task<IResult> Create(HttpRequest request, HttpResponse response, AccessKeys keys, CancellationToken ct)
    {
        CreateAccessKeyRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<CreateAccessKeyRequest>(request.Body, JsonDefaults.Options, ct).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            return ApiErrors.Error(400, "InvalidJson", "send a JSON object like {\"name\": \"ci\", \"scope\": \"read\"}.");
        }

        var name = body?.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength || name.Any(char.IsControl))
        {
            return ApiErrors.Error(400, "InvalidKeyName", $"name must be 1 to {MaxNameLength} printable characters saying what the key is for (e.g. \"ci\", \"grafana\").");
        }

        if (string.IsNullOrEmpty(body!.Scope))
        {
            return ApiErrors.Error(400, "InvalidScope", "scope is required: admin (everything), read (GET on the API and /metrics) or invoke:FUNCTION (that function's function-auth triggers).");
        }

        if (!AccessKeyScope.TryParse(body.Scope, out var scope, out var problem))
        {
            return ApiErrors.Error(400, "InvalidScope", problem);
        }

        var (key, token) = keys.Create(name, scope);
        response.Headers.Location = $"/api/v1/keys/{key.Id}";
        return Results.Json(Info(key) with { Token = token.Value }, JsonDefaults.Options, statusCode: 201);
    }

    private static IResult Revoke(string id, AccessKeys keys) => keys.Revoke(id, out var key) switch
    {
        RevokeOutcome.NotFound => ApiErrors.Error(404, "KeyNotFound", $"there is no access key '{id}'; GET /api/v1/keys (or `stasis keys list`) lists them."),
        RevokeOutcome.LastAdmin => ApiErrors.Error(409, "LastAdminKey",
            $"{id} is the last active admin key; without one nobody could manage keys. Create another admin key first (stasis keys create --name NAME --scope admin), then revoke this one."),
        _ => Results.Json(Info(key!), JsonDefaults.Options),
    };

    private static AccessKeyInfo Info(AccessKey key) => new()
    {
        Id = key.Id,
        Name = key.Name,
        Scope = key.Scope.Text,
        CreatedAt = key.CreatedAt,
        RevokedAt = key.RevokedAt,
        LastUsedAt = key.LastUsedAt,
    };
}
