using System.Text.Json.Serialization;

namespace Stasis.Client.Model;

/// <summary>
/// FC's session affinity: requests of one session go to the instance that holds it. The types are FC's
/// <c>sessionAffinity</c> values; the config is FC's <c>sessionAffinityConfig</c> (docs/sessions.md).
/// </summary>
public static class SessionAffinityTypes
{
    /// <summary>The server sets a cookie (<see cref="CookieName"/>) on a session's first answer; the client sends it back.</summary>
    public const string Cookie = "GENERATED_COOKIE";

    /// <summary>The session id is in a request header the function names; the server makes one when it is missing and answers with it.</summary>
    public const string HeaderField = "HEADER_FIELD";

    /// <summary>MCP over SSE: the id is the one the function's first <c>event: endpoint</c> gives on the SSE path.</summary>
    public const string McpSse = "MCP_SSE";

    /// <summary>MCP Streamable HTTP: the id is the function's <c>Mcp-Session-Id</c> answer header; DELETE ends it.</summary>
    public const string McpStreamable = "MCP_STREAMABLE";

    public const string CookieName = "x-fc-cookie-session-id";

    public const string McpSessionHeader = "Mcp-Session-Id";

    public static readonly IReadOnlyList<string> All = [Cookie, HeaderField, McpSse, McpStreamable];

    public const int DefaultSessionsPerInstance = 20;
    public const int MaxSessionsPerInstance = 200;
    public const int DefaultTtlSeconds = 21_600;
    public const int MaxSeconds = 21_600;
    public const int DefaultIdleTimeoutSeconds = 1_800;
    public const string DefaultSsePath = "/sse";
}

/// <summary>FC's <c>sessionAffinityConfig</c>; each field applies to the types FC gives it to.</summary>
public sealed record SessionAffinityConfig
{
    /// <summary>HEADER_FIELD: the request header holding the session id (5–40 characters, not <c>x-fc-…</c>).</summary>
    public string? AffinityHeaderFieldName { get; init; }

    /// <summary>Sessions one instance holds at most (1–200, default 20 but never above instanceConcurrency); beyond, a new instance starts.</summary>
    public int? SessionConcurrencyPerInstance { get; init; }

    /// <summary>Seconds a session lives from its first request (1–21600, default 21600).</summary>
    [JsonPropertyName("sessionTTLInSeconds")]
    public int? SessionTtlInSeconds { get; init; }

    /// <summary>Seconds without a request after which a session ends (0–21600, default 1800; 0: none).</summary>
    public int? SessionIdleTimeoutInSeconds { get; init; }

    /// <summary>When true, an ended session's id is refused rather than starting a new session under it.</summary>
    public bool? DisableSessionIdReuse { get; init; }

    /// <summary>MCP_SSE: the path of the SSE stream (default <c>/sse</c>).</summary>
    public string? SseEndpointPath { get; init; }
}
