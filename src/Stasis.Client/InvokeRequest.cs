namespace Stasis.Client;

/// <summary>One call through the gateway: <c>{Method} /fn/{FunctionName}{Path}</c>.</summary>
public sealed record InvokeRequest
{
    public required string FunctionName { get; init; }

    /// <summary>Path below the function, e.g. <c>/invoke</c>; a missing leading slash is added.</summary>
    public string Path { get; init; } = "/";

    public string Method { get; init; } = "POST";

    /// <summary>Request headers in order; Content-* headers go on the body.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>Streamed as is; the caller keeps ownership.</summary>
    public Stream? Body { get; init; }
}
