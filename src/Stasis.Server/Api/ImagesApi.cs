using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Stasis.Client.Model;
using Stasis.Server.Functions;
using Stasis.Server.Images;
using Stasis.Server.Security;

namespace Stasis.Server.Api;

/// <summary>
/// The image store (docs/images.md): <c>GET /api/v1/images</c> lists it, <c>POST /api/v1/images/load</c> loads an
/// archive from the server's file system, <c>POST /api/v1/images/pull</c> pulls from a registry, <c>DELETE
/// /api/v1/images/{reference or digest}</c> removes one (refused while a function runs it). Changes need an admin key.
/// </summary>
internal static class ImagesApi
{
    public static void MapImagesApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api/v1/images");
        api.MapGet("", (ImageStore images, FunctionRegistry registry) => Results.Json(images.All.Select(i => Info(i, registry, images)).ToList(), JsonDefaults.Options));
        api.MapPost("/load", Load).WithMetadata(AdminOnlyEndpoint.Instance);
        api.MapPost("/pull", Pull).WithMetadata(AdminOnlyEndpoint.Instance);
        api.MapDelete("/{**reference}", Remove).WithMetadata(AdminOnlyEndpoint.Instance);
    }

    /// <summary>The functions whose spec runs <paramref name="image"/>, or that still have an instance of it (a rollout to another image drains).</summary>
    public static IReadOnlyList<string> UsersOf(ImageRecord image, ImageStore images, FunctionRegistry registry) =>
        registry.All.Where(d => ImageRun.Find(d.Record.Spec, images)?.Digest == image.Digest || d.Snapshot(false).Any(i => i.Image == image.Digest))
            .Select(d => d.Name).ToList();

    private static ImageInfo Info(ImageRecord image, FunctionRegistry registry, ImageStore? images = null) => new()
    {
        Digest = image.Digest,
        References = image.References,
        Platform = image.Config.Platform,
        Entrypoint = image.Config.Entrypoint,
        Cmd = image.Config.Cmd,
        WorkingDir = image.Config.WorkingDir,
        User = image.Config.User,
        ExposedPorts = image.Config.ExposedPorts,
        SizeBytes = image.SizeBytes,
        AddedAt = image.AddedAt,
        Source = image.Source,
        UsedBy = images is null ? [] : UsersOf(image, images, registry),
    };

    private static async Task<IResult> Load(HttpRequest request, ImageStore images, FunctionRegistry registry, CancellationToken ct)
    {
        var body = await ReadAsync<LoadImageRequest>(request, "{\"path\": \"/abs/app.tar\", \"reference\": \"registry.example.com/ns/app:v1\"}", ct).ConfigureAwait(false);
        if (body.Error is not null)
        {
            return body.Error;
        }

        if (string.IsNullOrWhiteSpace(body.Value!.Path))
        {
            return ApiErrors.Error(400, "InvalidImageArchive", "path is required: the absolute path of an OCI archive or docker save tarball on the server's machine.");
        }

        return await RunAsync(async () => Results.Json(Info(await images.LoadAsync(body.Value.Path, body.Value.Reference, ct).ConfigureAwait(false), registry, images),
            JsonDefaults.Options, statusCode: 201)).ConfigureAwait(false);
    }

    private static async Task<IResult> Pull(HttpRequest request, ImageStore images, FunctionRegistry registry, CancellationToken ct)
    {
        var body = await ReadAsync<PullImageRequest>(request, "{\"reference\": \"registry.example.com/ns/app:v1\"}", ct).ConfigureAwait(false);
        if (body.Error is not null)
        {
            return body.Error;
        }

        if (string.IsNullOrWhiteSpace(body.Value!.Reference))
        {
            return ApiErrors.Error(400, "InvalidImageReference", "reference is required, e.g. registry.example.com/ns/app:v1.");
        }

        return await RunAsync(async () => Results.Json(Info(await images.PullAsync(body.Value.Reference, body.Value.TlsVerify, ct).ConfigureAwait(false), registry, images),
            JsonDefaults.Options, statusCode: 201)).ConfigureAwait(false);
    }

    private static Task<IResult> Remove(string reference, ImageStore images, FunctionRegistry registry, CancellationToken ct) =>
        RunAsync(async () => Results.Json(Info(await images.RemoveAsync(reference, i => UsersOf(i, images, registry), ct).ConfigureAwait(false), registry),
            JsonDefaults.Options));

    private static async Task<IResult> RunAsync(Func<Task<IResult>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (ImageException e)
        {
            return ApiErrors.Error(e.Status, e.Code, e.Message);
        }
    }

    private static async Task<(T? Value, IResult? Error)> ReadAsync<T>(HttpRequest request, string example, CancellationToken ct)
        where T : class
    {
        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, JsonDefaults.Options, ct).ConfigureAwait(false);
            return value is null ? (null, ApiErrors.Error(400, "InvalidJson", $"send a JSON object like {example}.")) : (value, null);
        }
        catch (JsonException)
        {
            return (null, ApiErrors.Error(400, "InvalidJson", $"send a JSON object like {example}."));
        }
    }
}
