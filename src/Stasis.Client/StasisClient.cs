using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Stasis.Client.Auth;
using Stasis.Client.Model;

namespace Stasis.Client;

/// <summary>
/// Typed client of a Stasis server: the control API under <c>/api/v1</c> and the gateway under <c>/fn</c>.
/// Non-2xx control answers throw <see cref="StasisApiException"/>; an endpoint nobody listens on throws
/// <see cref="StasisUnreachableException"/>. With an access key every request is signed (docs/security.md).
/// </summary>
public sealed class StasisClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;

    /// <summary>
    /// A client with its own <see cref="HttpClient"/>, e.g. <c>http://127.0.0.1:7070</c>, signing with the access key of
    /// <c>STASIS_ACCESS_KEY</c> or the credentials file when one is set up (<see cref="StasisCredentials.FromEnvironment"/>).
    /// </summary>
    public StasisClient(Uri endpoint)
        : this(endpoint, StasisCredentials.FromEnvironment()?.Key)
    {
    }

    /// <summary>A client with its own <see cref="HttpClient"/> that signs every request with <paramref name="accessKey"/>; none when null.</summary>
    public StasisClient(Uri endpoint, AccessKeyToken? accessKey)
        : this(CreateHttpClient(endpoint, accessKey), ownsHttp: true)
    {
        AccessKeyId = accessKey?.Id;
    }

    /// <summary>A client over <paramref name="http"/>, whose <see cref="HttpClient.BaseAddress"/> is the server's.</summary>
    public StasisClient(HttpClient http)
        : this(http, ownsHttp: false)
    {
    }

    private StasisClient(HttpClient http, bool ownsHttp)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.BaseAddress is null)
        {
            throw new ArgumentException("HttpClient.BaseAddress must be the server's address.", nameof(http));
        }

        _http = http;
        _ownsHttp = ownsHttp;
        Endpoint = http.BaseAddress;
    }

    public Uri Endpoint { get; }

    /// <summary>The id of the key requests are signed with; null when they are not.</summary>
    public string? AccessKeyId { get; }

    /// <summary>
    /// Limit for control API calls (not for invocations or followed logs, which run as long as they need).
    /// Kept apart from <see cref="HttpClient.Timeout"/> so one client can do both.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(100);

    public Task<ServerStatus> GetStatusAsync(CancellationToken cancellationToken = default) =>
        SendAsync<ServerStatus>(HttpMethod.Get, "api/v1/status", null, cancellationToken);

    public Task<FunctionInfo[]> ListFunctionsAsync(CancellationToken cancellationToken = default) =>
        SendAsync<FunctionInfo[]>(HttpMethod.Get, "api/v1/functions", null, cancellationToken);

    public Task<FunctionInfo> GetFunctionAsync(string name, CancellationToken cancellationToken = default) =>
        SendAsync<FunctionInfo>(HttpMethod.Get, FunctionPath(name), null, cancellationToken);

    /// <summary>Creates or updates the function named <see cref="FunctionSpec.FunctionName"/>.</summary>
    public Task<DeployResult> DeployAsync(FunctionSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var content = JsonContent(spec);
        return SendAsync<DeployResult>(HttpMethod.Put, FunctionPath(spec.FunctionName), content, cancellationToken);
    }

    public async Task DeleteFunctionAsync(string name, CancellationToken cancellationToken = default)
    {
        using var timeout = LinkedTimeout(cancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Delete, FunctionPath(name));
        using var response = await SendRawAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
        await EnsureSuccessAsync(response, timeout.Token).ConfigureAwait(false);
    }

    /// <summary>Live instances, or with <paramref name="all"/> also the stopped and failed ones the server still remembers.</summary>
    public Task<InstanceInfo[]> ListInstancesAsync(string name, bool all = false, CancellationToken cancellationToken = default) =>
        SendAsync<InstanceInfo[]>(HttpMethod.Get, $"{FunctionPath(name)}/instances?all={(all ? "true" : "false")}", null, cancellationToken);

    /// <summary>
    /// Sets a function's provision config (FC's PutProvisionConfig); fields left null in <paramref name="config"/> keep their value.
    /// The answer's <see cref="ProvisionInfo.Current"/> is what is ready now, not what will be.
    /// </summary>
    public Task<ProvisionInfo> PutProvisionAsync(string name, ProvisionConfigInput config, string qualifier = "LATEST", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        return SendAsync<ProvisionInfo>(HttpMethod.Put, ProvisionPath(name, qualifier), JsonContent(config), cancellationToken);
    }

    /// <summary>A function's provision config and status; a function never provisioned answers target 0.</summary>
    public Task<ProvisionInfo> GetProvisionAsync(string name, string qualifier = "LATEST", CancellationToken cancellationToken = default) =>
        SendAsync<ProvisionInfo>(HttpMethod.Get, ProvisionPath(name, qualifier), null, cancellationToken);

    /// <summary>Every function with a provision target or provisioned instances still running.</summary>
    /// <summary>The autoscaler's decisions for a function, newest first.</summary>
    public Task<ScalingDecisionInfo[]> GetProvisionHistoryAsync(string name, int limit = 20, CancellationToken cancellationToken = default) =>
        SendAsync<ScalingDecisionInfo[]>(HttpMethod.Get, $"api/v1/functions/{Uri.EscapeDataString(name)}/provision/history?limit={limit.ToString(System.Globalization.CultureInfo.InvariantCulture)}", null, cancellationToken);

    public Task<ProvisionInfo[]> ListProvisionsAsync(CancellationToken cancellationToken = default) =>
        SendAsync<ProvisionInfo[]>(HttpMethod.Get, "api/v1/provision", null, cancellationToken);

    /// <summary>Sets the target to 0 (FC's DeleteProvisionConfig); provisioned instances drain after the answer.</summary>
    public Task<ProvisionInfo> RemoveProvisionAsync(string name, string qualifier = "LATEST", CancellationToken cancellationToken = default) =>
        SendAsync<ProvisionInfo>(HttpMethod.Delete, ProvisionPath(name, qualifier), null, cancellationToken);

    /// <summary>
    /// The bill of <paramref name="functionName"/> (every function when null) over [<paramref name="from"/>, <paramref name="to"/>);
    /// the server takes the first billed instant for a missing <paramref name="from"/> and now for a missing <paramref name="to"/>.
    /// </summary>
    public Task<BillReport> GetBillAsync(string? functionName = null, DateTimeOffset? from = null, DateTimeOffset? to = null, CancellationToken cancellationToken = default)
    {
        var query = new List<string>(3);
        if (!string.IsNullOrEmpty(functionName))
        {
            query.Add("function=" + Uri.EscapeDataString(functionName));
        }

        if (from is { } start)
        {
            query.Add("from=" + Uri.EscapeDataString(start.ToString("O", CultureInfo.InvariantCulture)));
        }

        if (to is { } end)
        {
            query.Add("to=" + Uri.EscapeDataString(end.ToString("O", CultureInfo.InvariantCulture)));
        }

        var path = query.Count == 0 ? "api/v1/bill" : "api/v1/bill?" + string.Join('&', query);
        return SendAsync<BillReport>(HttpMethod.Get, path, null, cancellationToken);
    }

    /// <summary>
    /// The function's closed metrics intervals since <paramref name="since"/>: a duration back from now (<c>15m</c>,
    /// <c>1h</c>, <c>24h</c>, <c>7d</c>) or an ISO 8601 time; the server's default (the last hour) when null. With
    /// <paramref name="instances"/>, each point carries its instances' figures.
    /// </summary>
    public Task<MetricsReport> GetMetricsAsync(string name, string? since = null, bool instances = false, CancellationToken cancellationToken = default)
    {
        var query = $"{FunctionPath(name)}/metrics?instances={(instances ? "true" : "false")}";
        if (!string.IsNullOrEmpty(since))
        {
            query += "&since=" + Uri.EscapeDataString(since);
        }

        return SendAsync<MetricsReport>(HttpMethod.Get, query, null, cancellationToken);
    }

    /// <summary>The function's closed metrics intervals since <paramref name="since"/>.</summary>
    public Task<MetricsReport> GetMetricsAsync(string name, DateTimeOffset since, bool instances = false, CancellationToken cancellationToken = default) =>
        GetMetricsAsync(name, since.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture), instances, cancellationToken);

    /// <summary>
    /// The function's closed metrics intervals since <paramref name="since"/> (as above), merged into at most
    /// <paramref name="points"/> (1–5000) points of equal length, for a chart of a long window. Per-instance figures are
    /// not merged, so this form has none.
    /// </summary>
    public Task<MetricsReport> GetMetricsAsync(string name, string? since, int points, CancellationToken cancellationToken = default)
    {
        var query = $"{FunctionPath(name)}/metrics?points={points.ToString(CultureInfo.InvariantCulture)}";
        if (!string.IsNullOrEmpty(since))
        {
            query += "&since=" + Uri.EscapeDataString(since);
        }

        return SendAsync<MetricsReport>(HttpMethod.Get, query, null, cancellationToken);
    }

    /// <summary>
    /// The function's most recent invocations, newest first: at most <paramref name="limit"/> (1–500) of the last 500
    /// the server keeps in memory.
    /// </summary>
    public Task<InvocationsReport> GetInvocationsAsync(string name, int limit = 100, CancellationToken cancellationToken = default) =>
        SendAsync<InvocationsReport>(HttpMethod.Get, $"{FunctionPath(name)}/invocations?limit={limit.ToString(CultureInfo.InvariantCulture)}", null, cancellationToken);

    /// <summary>
    /// What state each instance of the function was in since <paramref name="since"/>: a duration back from now
    /// (<c>15m</c>) or an ISO 8601 time; the server keeps, and by default answers, the last hour.
    /// </summary>
    public Task<TimelineReport> GetTimelineAsync(string name, string? since = null, CancellationToken cancellationToken = default)
    {
        var query = $"{FunctionPath(name)}/timeline";
        if (!string.IsNullOrEmpty(since))
        {
            query += "?since=" + Uri.EscapeDataString(since);
        }

        return SendAsync<TimelineReport>(HttpMethod.Get, query, null, cancellationToken);
    }

    /// <summary>
    /// The function's log lines: the last <paramref name="tail"/> (server default when null), then, with
    /// <paramref name="follow"/>, new lines as they are written until <paramref name="cancellationToken"/> fires.
    /// </summary>
    public async IAsyncEnumerable<string> GetLogsAsync(
        string name,
        int? tail = null,
        bool follow = false,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var query = new StringBuilder($"{FunctionPath(name)}/logs?follow={(follow ? "true" : "false")}");
        if (tail is { } n)
        {
            query.Append("&tail=").Append(n);
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, query.ToString());
        using var response = await SendRawAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (await ReadLineAsync(reader, cancellationToken).ConfigureAwait(false) is { } line)
        {
            yield return line;
        }
    }

    /// <summary>
    /// Calls a function through the gateway. Any status comes back as an <see cref="InvokeResponse"/> (a function's 500 is
    /// an answer, not a client failure); only an unreachable server throws.
    /// </summary>
    /// <summary>Bodies larger than this are sent with <c>Expect: 100-continue</c>.</summary>
    private const long ExpectContinueBytes = 1024 * 1024;

    public async Task<InvokeResponse> InvokeAsync(InvokeRequest invoke, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(invoke);
        var path = invoke.Path.StartsWith('/') ? invoke.Path : "/" + invoke.Path;
        using var request = new HttpRequestMessage(new HttpMethod(invoke.Method.ToUpperInvariant()), $"fn/{Uri.EscapeDataString(invoke.FunctionName)}{path}");
        if (invoke.Body is not null)
        {
            request.Content = new StreamContent(invoke.Body);
            // A large body waits for the server's go-ahead: past its size limit the answer is its 413, rather than a
            // connection closed under the upload ("Error while copying content to a stream").
            request.Headers.ExpectContinue = invoke.Body is { CanSeek: true, Length: > ExpectContinueBytes };
        }

        foreach (var (key, value) in invoke.Headers)
        {
            if (request.Headers.TryAddWithoutValidation(key, value))
            {
                continue;
            }

            // Content-Type and friends belong to the content; a header without a body still needs one to travel on.
            request.Content ??= new ByteArrayContent([]);
            request.Content.Headers.TryAddWithoutValidation(key, value);
        }

        var response = await SendRawAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        try
        {
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return new InvokeResponse(response, body);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    /// <summary>Every access key, without secrets (admin scope).</summary>
    public Task<ImageInfo[]> ListImagesAsync(CancellationToken cancellationToken = default) =>
        SendAsync<ImageInfo[]>(HttpMethod.Get, "api/v1/images", null, cancellationToken);

    /// <summary>Loads an archive that is on the server's machine (an OCI archive or a docker save tarball) into its store.</summary>
    public Task<ImageInfo> LoadImageAsync(string path, string? reference, CancellationToken cancellationToken = default) =>
        SendAsync<ImageInfo>(HttpMethod.Post, "api/v1/images/load", JsonContent(new LoadImageRequest { Path = path, Reference = reference }), cancellationToken);

    public Task<ImageInfo> PullImageAsync(string reference, bool tlsVerify, CancellationToken cancellationToken = default) =>
        SendAsync<ImageInfo>(HttpMethod.Post, "api/v1/images/pull", JsonContent(new PullImageRequest { Reference = reference, TlsVerify = tlsVerify }), cancellationToken);

    /// <summary>Removes a reference (or, by digest, an image); refused while a function runs it.</summary>
    public Task<ImageInfo> RemoveImageAsync(string referenceOrDigest, CancellationToken cancellationToken = default) =>
        SendAsync<ImageInfo>(HttpMethod.Delete, "api/v1/images/" + string.Join('/', referenceOrDigest.Split('/').Select(Uri.EscapeDataString)), null, cancellationToken);

    public Task<AccessKeyInfo[]> ListKeysAsync(CancellationToken cancellationToken = default) =>
        SendAsync<AccessKeyInfo[]>(HttpMethod.Get, "api/v1/keys", null, cancellationToken);

    /// <summary>Creates an access key; the answer's <see cref="AccessKeyInfo.Token"/> is the only time its secret is shown (admin scope).</summary>
    public Task<AccessKeyInfo> CreateKeyAsync(string name, string scope, CancellationToken cancellationToken = default) =>
        SendAsync<AccessKeyInfo>(HttpMethod.Post, "api/v1/keys", JsonContent(new CreateAccessKeyRequest { Name = name, Scope = scope }), cancellationToken);

    /// <summary>Revokes an access key at once; the answer shows when (admin scope).</summary>
    public Task<AccessKeyInfo> RevokeKeyAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        return SendAsync<AccessKeyInfo>(HttpMethod.Delete, $"api/v1/keys/{Uri.EscapeDataString(id)}", null, cancellationToken);
    }

    private static HttpClient CreateHttpClient(Uri endpoint, AccessKeyToken? accessKey)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var baseAddress = endpoint.AbsoluteUri.EndsWith('/') ? endpoint : new Uri(endpoint.AbsoluteUri + "/");
        var handler = new SocketsHttpHandler
        {
            // Loopback servers answer in microseconds; a dead endpoint should fail fast, not after the OS default.
            ConnectTimeout = TimeSpan.FromSeconds(10),
            UseProxy = false,
        };
        HttpMessageHandler chain = accessKey is null ? handler : new SigningHandler(accessKey, handler);
        return new HttpClient(chain, disposeHandler: true)
        {
            BaseAddress = baseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    private static string FunctionPath(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return $"api/v1/functions/{Uri.EscapeDataString(name)}";
    }

    private static string ProvisionPath(string name, string qualifier)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(qualifier);
        return $"{FunctionPath(name)}/provision?qualifier={Uri.EscapeDataString(qualifier)}";
    }

    private static ByteArrayContent JsonContent<T>(T value)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(value, JsonDefaults.Options));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var timeout = LinkedTimeout(cancellationToken);
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await SendRawAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
        await EnsureSuccessAsync(response, timeout.Token).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
        try
        {
            return JsonSerializer.Deserialize<T>(bytes, JsonDefaults.Options)
                ?? throw new StasisApiException(response.StatusCode, new ErrorBody("InvalidResponse", $"{method} /{path} answered null"));
        }
        catch (JsonException e)
        {
            throw new StasisApiException(response.StatusCode, new ErrorBody("InvalidResponse", $"{method} /{path} answered JSON this client cannot read: {e.Message}"));
        }
    }

    private CancellationTokenSource LinkedTimeout(CancellationToken cancellationToken)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (RequestTimeout != Timeout.InfiniteTimeSpan)
        {
            cts.CancelAfter(RequestTimeout);
        }

        return cts;
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        try
        {
            return await _http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (IsUnreachable(e))
        {
            throw new StasisUnreachableException(Endpoint, e);
        }
    }

    private static bool IsUnreachable(HttpRequestException e) =>
        e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
        || e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.HostUnreachable or SocketError.NetworkUnreachable };

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var error = ErrorBodies.TryParse(bytes) ?? FallbackError(response, bytes);
        if (error.RequestId is null && response.Headers.TryGetValues(InvokeResponse.RequestIdHeader, out var ids))
        {
            error = error with { RequestId = ids.FirstOrDefault() };
        }

        throw new StasisApiException(response.StatusCode, error);
    }

    /// <summary>Something other than Stasis answered (a proxy, an older server): keep what it said, briefly.</summary>
    private static ErrorBody FallbackError(HttpResponseMessage response, byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes).Trim();
        if (text.Length > 300)
        {
            text = text[..300] + "…";
        }

        var status = $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd();
        return new ErrorBody(response.StatusCode.ToString(), text.Length == 0 ? status : $"{status}: {text}");
    }

    private static async Task<string?> ReadLineAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException) when (!cancellationToken.IsCancellationRequested)
        {
            // The server went away mid-stream (it was stopped); what was read stands and the stream simply ends.
            return null;
        }
    }
}
