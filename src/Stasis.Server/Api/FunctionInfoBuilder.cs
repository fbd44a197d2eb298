using Microsoft.AspNetCore.Http;
using Stasis.Client.Model;
using Stasis.Server.Functions;
using Stasis.Server.Gateway;
using Stasis.Server.Scheduling;

namespace Stasis.Server.Api;

/// <summary>Shapes a function and its dispatcher's state into the API's FunctionInfo.</summary>
internal static class FunctionInfoBuilder
{
    /// <summary>What a read key sees in place of an environment variable's value.</summary>
    public const string Redacted = "(redacted: an admin key sees it)";

    public static FunctionInfo Build(HttpRequest request, FunctionDispatcher dispatcher) => Build(request, dispatcher.Record, dispatcher);

    public static FunctionInfo Build(HttpRequest request, FunctionRecord record, FunctionDispatcher? dispatcher)
    {
        var spec = record.Spec;
        var redact = !Security.ControlAuth.MaySeeSecrets(request.HttpContext) && spec.EnvironmentVariables.Count > 0;
        if (redact)
        {
            spec = spec with { EnvironmentVariables = spec.EnvironmentVariables.ToDictionary(p => p.Key, _ => Redacted, StringComparer.Ordinal) };
        }

        var url = $"{request.Scheme}://{request.Host}{GatewayEndpoint.Prefix}/{spec.FunctionName}";
        var status = dispatcher?.Status();
        var scheduling = dispatcher?.Scheduling();
        return new FunctionInfo
        {
            Spec = spec,
            EnvironmentRedacted = redact,
            Version = record.Version,
            CreatedAt = record.CreatedAt,
            UpdatedAt = record.UpdatedAt,
            Url = url,
            Triggers = spec.Triggers
                .Select(t => new TriggerInfo(t.TriggerName, t.TriggerType, t.TriggerConfig?.AuthType ?? "anonymous",
                    t.TriggerConfig?.Methods?.Select(m => m.ToUpperInvariant()).ToList() ?? ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"], url))
                .ToList(),
            Warnings = (spec.UnknownProps ?? new()).Keys.Select(k => $"props.{k} is not used by Stasis and was kept").ToList(),
            Instances = status?.Counts ?? new InstanceCounts(),
            RolloutError = status?.RolloutError,
            LastInstanceError = status?.LastError,
            Queued = status?.Queued ?? 0,
            Sessions = dispatcher?.SessionCount(),
            SchedulingPolicy = scheduling?.Policy ?? spec.SchedulingPolicy ?? SchedulingPolicyNames.Default,
            QueueWait = scheduling?.Waits is { } w
                ? new QueueWaitInfo { Samples = w.Samples, P50Ms = w.P50Ms, P90Ms = w.P90Ms, P99Ms = w.P99Ms, MaxMs = w.MaxMs, Requests = w.Requests, Waited = w.Waited }
                : null,
        };
    }
}
