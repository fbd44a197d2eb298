using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Stasis.Client.Model;
using Stasis.Server.Scheduling;
using Stasis.Server.Scheduling.Sessions;

namespace Stasis.Server.Gateway;

/// <summary>
/// Where a request's session id is, for one function's session affinity type, and how the gateway answers with a
/// new one: FC's cookie <c>x-fc-cookie-session-id</c>, a header the function names, the <c>sessionId</c> of an MCP
/// SSE stream's endpoint event, or MCP's <c>Mcp-Session-Id</c>. Computed once per version of the function.
/// </summary>
internal sealed partial class SessionRoute
{
    private readonly string _cookieAttributes;

    public SessionRoute(FunctionSpec spec)
    {
        Type = spec.SessionAffinity!;
        var config = spec.SessionAffinityConfig;
        HeaderName = Type switch
        {
            SessionAffinityTypes.HeaderField => config!.AffinityHeaderFieldName!,
            SessionAffinityTypes.McpStreamable => SessionAffinityTypes.McpSessionHeader,
            _ => null,
        };
        SsePath = config?.SseEndpointPath ?? SessionAffinityTypes.DefaultSsePath;
        var ttl = config?.SessionTtlInSeconds ?? SessionAffinityTypes.DefaultTtlSeconds;
        _cookieAttributes = string.Create(CultureInfo.InvariantCulture, $"; Max-Age={ttl}; Path={GatewayEndpoint.Prefix}/{spec.FunctionName}; HttpOnly; SameSite=Lax");
    }

    public string Type { get; }

    /// <summary>The request header that carries the id (HEADER_FIELD, MCP_STREAMABLE); null for the others.</summary>
    public string? HeaderName { get; }

    public string SsePath { get; }

    /// <summary>What the request asks of its session; false with <paramref name="problem"/> for a malformed id (400).</summary>
    public bool TryRead(HttpRequest request, string? path, out string? id, out SessionAsk ask, out bool stream, out string? problem)
    {
        id = null;
        ask = SessionAsk.Bind;
        stream = false;
        problem = null;
        switch (Type)
        {
            case SessionAffinityTypes.Cookie:
                // The server made the cookie; one that is not its own form starts a new session rather than failing a browser.
                id = request.Cookies[SessionAffinityTypes.CookieName] is { } cookie && SessionId().IsMatch(cookie) ? cookie : null;
                return true;
            case SessionAffinityTypes.HeaderField:
                id = Header(request);
                if (id is not null && !SessionId().IsMatch(id))
                {
                    problem = $"the session id in {HeaderName} must be 1 to 64 letters, digits, '_' or '-', starting with a letter, digit or '_'; send none to have one made";
                    return false;
                }

                return true;
            case SessionAffinityTypes.McpSse:
                if (HttpMethods.IsGet(request.Method) && "/" + path == SsePath)
                {
                    ask = SessionAsk.Open;
                    stream = true;
                    return true;
                }

                ask = SessionAsk.Follow;
                id = request.Query["sessionId"].FirstOrDefault() ?? request.Query["session_id"].FirstOrDefault();
                return true;
            default:
                id = Header(request);
                ask = id is null ? SessionAsk.Open : SessionAsk.Follow;
                return true;
        }
    }

    /// <summary>Whether the session ends with this request: the SSE stream that opened it closed, or MCP's DELETE of it.</summary>
    public bool Ends(HttpRequest request, Lease lease) =>
        (lease.SessionIsNew && lease.Session!.HeldByStream) || (Type == SessionAffinityTypes.McpStreamable && HttpMethods.IsDelete(request.Method));

    /// <summary>The id the function sees in its request: the one the client sent, or the one made for it (HEADER_FIELD).</summary>
    public void OnForward(System.Net.Http.Headers.HttpRequestHeaders headers, Lease lease)
    {
        if (Type == SessionAffinityTypes.HeaderField && lease.SessionIsNew && lease.Session?.Id is { } id)
        {
            headers.Remove(HeaderName!);
            headers.TryAddWithoutValidation(HeaderName!, id);
        }
    }

    /// <summary>The answer's part: a new session's cookie or header; the id MCP Streamable's answer names.</summary>
    public void OnAnswer(HttpResponse response, HttpResponseMessage? answer, Lease lease)
    {
        if (lease.Session is not { } session)
        {
            return;
        }

        switch (Type)
        {
            case SessionAffinityTypes.Cookie when lease.SessionIsNew:
                response.Headers.Append("Set-Cookie", SessionAffinityTypes.CookieName + "=" + session.Id + _cookieAttributes);
                break;
            case SessionAffinityTypes.HeaderField when lease.SessionIsNew:
                response.Headers[HeaderName!] = session.Id;
                break;
            case SessionAffinityTypes.McpStreamable when session.Id is null:
                if (answer is not null && answer.Headers.TryGetValues(SessionAffinityTypes.McpSessionHeader, out var values)
                    && values.FirstOrDefault() is { Length: > 0 and <= 256 } named)
                {
                    lease.Dispatcher.NameSession(session, named);
                }

                break;
        }
    }

    private string? Header(HttpRequest request) =>
        request.Headers.TryGetValue(HeaderName!, out var values) && values.Count > 0 && values[0] is { Length: > 0 } v ? v : null;

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}\z")]
    private static partial Regex SessionId();
}
