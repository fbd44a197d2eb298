using System.Text.Json.Serialization;

namespace Stasis.Client.Model;

/// <summary>
/// The answer to <c>GET /api/v1/functions/{name}/invocations?limit=N</c>: the function's most recent invocations,
/// newest first. The server keeps the last 500 per function, in memory (a restart or a redeploy after a removal forgets them).
/// </summary>
public sealed record InvocationsReport
{
    public required string FunctionName { get; init; }

    public List<InvocationInfo> Invocations { get; init; } = new();
}

/// <summary>
/// One invocation as the gateway answered it. Unlike most of the API, its null figures are written out as <c>null</c>,
/// so every invocation has the same fields.
/// </summary>
public sealed record InvocationInfo
{
    /// <summary>The <c>x-fc-request-id</c> the gateway answered with.</summary>
    public required string RequestId { get; init; }

    /// <summary>When the gateway received the request.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    public required string Method { get; init; }

    /// <summary>The path after <c>/fn/{name}</c>, starting with <c>/</c>.</summary>
    public required string Path { get; init; }

    /// <summary>The HTTP status answered; 499 when the client left before the answer.</summary>
    public int Status { get; init; }

    /// <summary>The function marked the answer failed with <c>x-fc-status</c>.</summary>
    public bool FunctionError { get; init; }

    /// <summary>From the gateway receiving the request to the end of its answer.</summary>
    public double DurationMs { get; init; }

    /// <summary>Its wait for a slot; null when it never got one.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public double? QueueMs { get; init; }

    /// <summary>The instance that served it; null when it reached none (refused, queue timeout, the client left).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? InstanceId { get; init; }

    /// <summary><c>warm</c>, <c>thawed</c> or <c>cold</c>: how it found its instance; null when it reached none.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Arrival { get; init; }
}
