using Stasis.Server.Scheduling;

namespace Stasis.Server.Metrics;

/// <summary>
/// One invocation as the recent-invocations list keeps it (<c>GET /api/v1/functions/{name}/invocations</c>).
/// <see cref="StartedAt"/> is when the gateway received it; <see cref="Path"/> is the path after <c>/fn/{name}</c>,
/// without its leading slash (null for none); <see cref="InstanceId"/> and <see cref="Arrival"/> are null when the
/// request never reached an instance (refused, timed out in the queue, or the client left first).
/// </summary>
internal readonly record struct RecentInvocation(
    string RequestId,
    DateTimeOffset StartedAt,
    string Method,
    string? Path,
    int Status,
    bool FunctionError,
    double DurationMs,
    double? QueueMs,
    string? InstanceId,
    Arrival? Arrival);

/// <summary>
/// What the gateway tells <see cref="FunctionRecorder.Complete"/> about an invocation besides its figures, for the
/// recent-invocations list: strings the gateway already holds, so reporting them allocates nothing.
/// </summary>
internal readonly record struct InvocationCall(string RequestId, string Method, string? Path, string? InstanceId, Arrival? Arrival);
