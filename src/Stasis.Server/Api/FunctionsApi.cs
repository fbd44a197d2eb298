using Microsoft.Extensions.DependencyInjection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Stasis.Client.Model;
using Stasis.Server.Functions;
using Stasis.Server.Hosting;
using Stasis.Server.Images;
using Stasis.Server.Logs;

namespace Stasis.Server.Api;

/// <summary>The control API for functions: create/update (PUT), get, list, delete, instances and logs.</summary>
internal static class FunctionsApi
{
    private static readonly JsonSerializerOptions StrictRead = new(JsonDefaults.Options)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public static void MapFunctionsApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api/v1/functions");
        api.MapGet("", List);
        api.MapPost("", Create);
        var one = api.MapGroup("/{name}").RequireFunctionName();
        one.MapGet("", Get);
        one.MapPut("", Put);
        one.MapDelete("", Delete);
        one.MapGet("/instances", Instances);
        one.MapGet("/sessions", Sessions);
        one.MapGet("/logs", Logs);
    }

    private static IResult List(HttpRequest request, FunctionRegistry registry) =>
        Results.Json(registry.All.Select(d => FunctionInfoBuilder.Build(request, d)).ToList(), JsonDefaults.Options);

    private static IResult Get(string name, HttpRequest request, FunctionRegistry registry) =>
        registry.TryGetDispatcher(name, out var d) ? Results.Json(FunctionInfoBuilder.Build(request, d), JsonDefaults.Options) : ApiErrors.FunctionNotFound(name);

    private static async Task<IResult> Put(string name, HttpRequest request, FunctionRegistry registry, ImageStore images, CancellationToken ct)
    {
        var (spec, error) = await ReadSpecAsync(request, ct).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        if (string.IsNullOrEmpty(spec!.FunctionName))
        {
            spec = spec with { FunctionName = name };
        }

        if (!string.Equals(spec.FunctionName, name, StringComparison.Ordinal))
        {
            return ApiErrors.Error(400, "NameMismatch", $"the URL names '{name}' but the body's functionName is '{spec.FunctionName}'; make them the same.");
        }

        return await DeployAsync(spec, request, registry, images, ct).ConfigureAwait(false);
    }

    private static async Task<IResult> Create(HttpRequest request, FunctionRegistry registry, ImageStore images, CancellationToken ct)
    {
        var (spec, error) = await ReadSpecAsync(request, ct).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        if (registry.TryGetDispatcher(spec!.FunctionName, out _))
        {
            return ApiErrors.Error(409, "FunctionAlreadyExists", $"function '{spec.FunctionName}' already exists; update it with PUT /api/v1/functions/{spec.FunctionName}.");
        }

        return await DeployAsync(spec, request, registry, images, ct).ConfigureAwait(false);
    }

    private static async Task<IResult> DeployAsync(FunctionSpec spec, HttpRequest request, FunctionRegistry registry, ImageStore images, CancellationToken ct)
    {
        spec = FunctionValidation.Normalize(spec);
        var errors = FunctionValidation.Validate(spec);
        if (errors.Count > 0)
        {
            return ApiErrors.Error(400, "InvalidSpec", $"function '{spec.FunctionName}' is not valid: {string.Join("; ", errors)}", errors);
        }

        var notices = new List<string>();
        try
        {
            spec = request.HttpContext.RequestServices.GetRequiredService<FunctionCode>().Prepare(spec, notices);
        }
        catch (FunctionCodeException e)
        {
            return ApiErrors.Error(400, "InvalidCode", e.Message);
        }

        if (FunctionValidation.CheckImage(spec, images, notices) is { } refused)
        {
            return ApiErrors.Error(refused.Status, refused.Code, refused.Message);
        }

        if ((spec.GpuConfig is not null || spec.GpuMemorySize > 0)
            && request.HttpContext.RequestServices.GetRequiredService<Runtime.IInstanceRuntime>().Describe().TryGetValue("gpu", out var gpu)
            && gpu.StartsWith("none", StringComparison.Ordinal))
        {
            notices.Add($"function '{spec.FunctionName}' asks for a GPU (gpuConfig), but this server's host has {gpu}: its instances start without one, and CUDA finds no device in them");
        }

        var (record, outcome) = await registry.DeployAsync(spec, ct).ConfigureAwait(false);
        registry.TryGetDispatcher(spec.FunctionName, out var dispatcher);
        var result = new DeployResult
        {
            Function = FunctionInfoBuilder.Build(request, record, dispatcher),
            Outcome = outcome.ToString().ToLowerInvariant(),
            Notices = notices,
        };
        return Results.Json(result, JsonDefaults.Options, statusCode: outcome == DeployOutcome.Created ? 201 : 200);
    }

    private static async Task<(FunctionSpec?, IResult?)> ReadSpecAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength is 0)
        {
            return (null, ApiErrors.Error(400, "EmptyBody", "send the function spec as a JSON body (fc3 props in camelCase)."));
        }

        try
        {
            var spec = await JsonSerializer.DeserializeAsync<FunctionSpec>(request.Body, StrictRead, ct).ConfigureAwait(false);
            if (spec is null)
            {
                return (null, ApiErrors.Error(400, "EmptyBody", "the body is JSON null; send the function spec as a JSON object."));
            }

            // JSON null means "not given" (a list: none), never a null the core has to guard against.
            spec = SpecBodyChecks.WithoutNulls(spec);
            return SpecBodyChecks.FirstProblem(spec) is { } problem
                ? (null, ApiErrors.Error(400, "InvalidJson", $"the body is not a valid function spec: {problem}."))
                : (spec, null);
        }
        catch (JsonException e)
        {
            var where = e.Path is { Length: > 0 } p ? $" at {p}" : "";
            var line = e.LineNumber is { } l ? $" (line {l + 1})" : "";
            return (null, ApiErrors.Error(400, "InvalidJson", $"the body is not a valid function spec{where}{line}: {FirstSentence(e.Message)}"));
        }
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    private static async Task<IResult> Delete(string name, FunctionRegistry registry, StasisServerOptions options, CancellationToken ct) =>
        await registry.DeleteAsync(name, options.DrainTimeout, ct).ConfigureAwait(false)
            ? Results.NoContent()
            : ApiErrors.FunctionNotFound(name);

    /// <summary>How many ended instances <c>?all=true</c> lists at most, those of this server run first, then the store's.</summary>
    private const int EndedListed = 50;

    /// <summary>The function's open sessions (session affinity): which instance holds each, and until when.</summary>
    private static IResult Sessions(string name, FunctionRegistry registry)
    {
        if (!registry.TryGetDispatcher(name, out var d))
        {
            return ApiErrors.FunctionNotFound(name);
        }

        return d.Record.Spec.SessionAffinity is null
            ? ApiErrors.Error(400, "NoSessionAffinity", $"function '{name}' has no sessionAffinity, so its requests have no sessions; set sessionAffinity (docs/sessions.md) to keep a session on one instance.")
            : Results.Json(d.SessionsSnapshot(), JsonDefaults.Options);
    }

    private static IResult Instances(string name, string? all, FunctionRegistry registry, Instances.IInstanceHistory store)
    {
        if (!registry.TryGetDispatcher(name, out var d))
        {
            return ApiErrors.FunctionNotFound(name);
        }

        if (!QueryValues.TryFlag(all, out var withStopped))
        {
            return ApiErrors.Error(400, "InvalidAll", $"all '{all}' must be true or false.");
        }

        var instances = d.Snapshot(withStopped);
        if (!withStopped)
        {
            return Results.Json(instances, JsonDefaults.Options);
        }

        // Ended instances of earlier server runs (and of this one, past what the dispatcher keeps) come from the store.
        var known = instances.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        var ended = instances.Count(i => i.StoppedAt is not null || i.State is "Stopped" or "Failed");
        var earlier = store.Ended(name, EndedListed).Where(i => !known.Contains(i.Id)).Take(Math.Max(0, EndedListed - ended));
        return Results.Json(instances.Concat(earlier).ToList(), JsonDefaults.Options);
    }

    private static async Task Logs(string name, string? tail, string? follow, HttpContext context, FunctionRegistry registry, FunctionLogBook logs)
    {
        if (!registry.TryGetDispatcher(name, out _))
        {
            await ApiErrors.FunctionNotFound(name).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        if (!QueryValues.TryCount(tail, 200, 100_000, out var lines))
        {
            await ApiErrors.Error(400, "InvalidTail", $"tail '{tail}' must be a whole number of lines from 0 to 100000.").ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        if (!QueryValues.TryFlag(follow, out var following))
        {
            await ApiErrors.Error(400, "InvalidFollow", $"follow '{follow}' must be true or false.").ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        var ct = context.RequestAborted;
        context.Response.ContentType = "text/plain; charset=utf-8";
        var writer = context.Response.BodyWriter;
        foreach (var line in await logs.TailAsync(name, lines, ct).ConfigureAwait(false))
        {
            await writer.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), ct).ConfigureAwait(false);
        }

        await writer.FlushAsync(ct).ConfigureAwait(false);
        if (!following)
        {
            return;
        }

        try
        {
            await foreach (var line in logs.FollowAsync(name, ct).ConfigureAwait(false))
            {
                await writer.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), ct).ConfigureAwait(false);
                await writer.FlushAsync(ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // the follower went away
        }
    }
}
