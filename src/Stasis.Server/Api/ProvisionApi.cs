using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Stasis.Client.Model;
using Stasis.Server.Autoscaling;
using Stasis.Server.Functions;
using Stasis.Server.Scheduling;

namespace Stasis.Server.Api;

/// <summary>FC's ProvisionConfig: put, get, list and remove, per function and qualifier (LATEST).</summary>
internal static class ProvisionApi
{
    public static void MapProvisionApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/v1/provision", List);
        var one = routes.MapGroup("/api/v1/functions/{name}/provision").RequireFunctionName();
        one.MapGet("", Get);
        one.MapPut("", Put);
        one.MapDelete("", Remove);
        one.MapGet("/history", History);
    }

    /// <summary>The autoscaler's decisions for a function, newest first (<c>?limit=</c>, 1–1000, default 20).</summary>
    private static IResult History(string name, string? limit, FunctionRegistry registry, Autoscaling.IScalingHistory store)
    {
        if (!registry.TryGetDispatcher(name, out _))
        {
            return ApiErrors.FunctionNotFound(name);
        }

        var count = 20;
        if (limit is not null && (!int.TryParse(limit, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out count) || count is < 1 or > 1000))
        {
            return ApiErrors.Error(400, "InvalidLimit", $"limit must be a whole number from 1 to 1000, not '{limit}'.");
        }

        return Results.Json(store.History(name, count), JsonDefaults.Options);
    }

    private static IResult List(FunctionRegistry registry) =>
        Results.Json(registry.ListProvisions()
            .Select(p => registry.TryGetDispatcher(p.FunctionName, out var d) ? Info(p, d, registry) : null)
            .Where(i => i is not null && (i.Target > 0 || i.Current > 0))
            .ToList(), JsonDefaults.Options);

    private static IResult Get(string name, string? qualifier, FunctionRegistry registry)
    {
        if (!registry.TryGetDispatcher(name, out var dispatcher))
        {
            return ApiErrors.FunctionNotFound(name);
        }

        if (QualifierError(qualifier) is { } error)
        {
            return error;
        }

        var record = registry.GetProvision(name) ?? ProvisionRules.Apply(null, name, ProvisionRules.Latest, new ProvisionConfigInput(), DateTimeOffset.UnixEpoch);
        return Results.Json(Info(record, dispatcher, registry), JsonDefaults.Options);
    }

    private static async Task<IResult> Put(string name, string? qualifier, HttpRequest request, FunctionRegistry registry, CancellationToken ct)
    {
        if (!registry.TryGetDispatcher(name, out var dispatcher))
        {
            return ApiErrors.FunctionNotFound(name);
        }

        ProvisionConfigInput? input;
        try
        {
            input = await JsonSerializer.DeserializeAsync<ProvisionConfigInput>(request.Body, ProvisionConfigJson.Strict, ct).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            var where = e.Path is { Length: > 0 } p ? $" at {p}" : "";
            return ApiErrors.Error(400, "InvalidJson", $"the body is not a valid provision config{where}: {e.Message.Split(" Path:")[0]}");
        }

        if (input is null)
        {
            return ApiErrors.Error(400, "EmptyBody", "send the provision config as a JSON object, e.g. {\"defaultTarget\": 1, \"alwaysAllocateCPU\": false}.");
        }

        var errors = ProvisionRules.Validate(input, qualifier ?? ProvisionRules.Latest);
        if (errors.Count > 0)
        {
            var code = errors.Any(e => e.StartsWith("qualifier", StringComparison.Ordinal)) ? "QualifierNotFound" : "InvalidProvisionConfig";
            return ApiErrors.Error(code == "QualifierNotFound" ? 404 : 400, code, string.Join(" ", errors), errors);
        }

        var record = await registry.PutProvisionAsync(name, ProvisionRules.Latest, input, ct).ConfigureAwait(false);
        var notices = new List<string>();
        // A put changes the fields it gives and keeps the rest, unlike FC's PutProvisionConfig: say what it kept.
        if (input.TargetTrackingPolicies is null && record.TargetTrackingPolicies.Count > 0)
        {
            notices.Add($"kept the {record.TargetTrackingPolicies.Count} target-tracking policies of the previous config; send \"targetTrackingPolicies\": [] to remove them");
        }

        if (input.ScheduledActions is null && record.ScheduledActions.Count > 0)
        {
            notices.Add($"kept the {record.ScheduledActions.Count} scheduled actions of the previous config; send \"scheduledActions\": [] to remove them");
        }

        if (ProvisionRules.HasGpu(dispatcher.Record.Spec) && input.AlwaysAllocateCPU == false && record.AlwaysAllocateGpu)
        {
            // FC's rule: a GPU function's idle mode follows alwaysAllocateGPU; the CPU switch alone changes nothing.
            notices.Add($"function '{name}' has a GPU, so idle mode follows alwaysAllocateGPU, which is true: its provisioned instances stay warm. "
                + "Set alwaysAllocateGPU: false (--always-allocate-gpu false) for idle mode");
        }

        return Results.Json(Info(record, dispatcher, registry) with { Notices = notices }, JsonDefaults.Options);
    }

    private static async Task<IResult> Remove(string name, string? qualifier, FunctionRegistry registry, CancellationToken ct)
    {
        if (!registry.TryGetDispatcher(name, out var dispatcher))
        {
            return ApiErrors.FunctionNotFound(name);
        }

        if (QualifierError(qualifier) is { } error)
        {
            return error;
        }

        var record = await registry.PutProvisionAsync(name, ProvisionRules.Latest, new ProvisionConfigInput { DefaultTarget = 0 }, ct).ConfigureAwait(false);
        return Results.Json(Info(record, dispatcher, registry), JsonDefaults.Options);
    }

    private static IResult? QualifierError(string? qualifier) =>
        qualifier is null || qualifier == ProvisionRules.Latest
            ? null
            : ApiErrors.Error(404, "QualifierNotFound", $"qualifier '{qualifier}' does not exist: Stasis functions have one qualifier, LATEST.");

    private static ProvisionInfo Info(ProvisionRecord record, FunctionDispatcher dispatcher, FunctionRegistry registry)
    {
        var state = dispatcher.ProvisionState();
        var decision = registry.LastScaling(record.FunctionName);
        return new ProvisionInfo
        {
            FunctionName = record.FunctionName,
            Qualifier = record.Qualifier,
            Resource = $"{record.FunctionName}#{record.Qualifier}",
            Target = state.Target,
            DefaultTarget = record.DefaultTarget,
            Current = state.Current,
            // Why current lags target: an instance failure first, else what holds the autoscaler back.
            CurrentError = state.CurrentError ?? decision?.Explain,
            Reason = decision?.Reason,
            AlwaysAllocateCPU = record.AlwaysAllocateCpu,
            AlwaysAllocateGPU = record.AlwaysAllocateGpu,
            IdleMode = state.IdleMode,
            Frozen = state.Frozen,
            ScheduledActions = record.ScheduledActions,
            TargetTrackingPolicies = record.TargetTrackingPolicies,
        };
    }
}
