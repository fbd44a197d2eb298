namespace Stasis.Client.Auth;

/// <summary>
/// Signs every request it sends with an access key (<c>STASIS-HMAC-SHA256</c>, docs/security.md): the secret never
/// travels, and a captured request cannot be replayed or altered. The body is buffered to be hashed.
/// </summary>
public sealed class SigningHandler : DelegatingHandler
{
    // Dates are unique within the process (100 ns apart at least), so two identical requests in a row never carry the
    // same signature, which the server would refuse as a replay.
    private static long _lastTicks;

    private readonly AccessKeyToken _key;
    private readonly byte[] _signingKey;
    private readonly TimeProvider _time;

    public SigningHandler(AccessKeyToken key, HttpMessageHandler innerHandler, TimeProvider? time = null)
        : base(innerHandler)
    {
        ArgumentNullException.ThrowIfNull(key);
        _key = key;
        _signingKey = key.SecretHash();
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The key requests are signed with.</summary>
    public string KeyId => _key.Id;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        Sign(request, _key.Id, _signingKey, UniqueNow(), body);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Adds <c>Host</c>, <see cref="RequestSigning.DateHeader"/>, <see cref="RequestSigning.ContentHashHeader"/> and the
    /// <c>Authorization</c> header to <paramref name="request"/>, whose absolute URI and <paramref name="body"/> are what is sent.
    /// </summary>
    public static void Sign(HttpRequestMessage request, string keyId, ReadOnlySpan<byte> signingKey, DateTimeOffset at, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uri = request.RequestUri is { IsAbsoluteUri: true } absolute
            ? absolute
            : throw new ArgumentException("the request needs an absolute URI to be signed.", nameof(request));
        var host = uri.Authority;
        var date = RequestSigning.FormatDate(at);
        var bodyHash = RequestSigning.HashBody(body);
        var headers = new[]
        {
            KeyValuePair.Create("host", host),
            KeyValuePair.Create(RequestSigning.ContentHashHeader, bodyHash),
            KeyValuePair.Create(RequestSigning.DateHeader, date),
        };
        var toSign = RequestSigning.StringToSign(request.Method.Method, uri.AbsolutePath, RequestSigning.CanonicalQuery(uri.Query), headers, bodyHash);
        var signature = RequestSigning.Sign(signingKey, toSign);

        request.Headers.Host = host;
        Replace(request, RequestSigning.ContentHashHeader, bodyHash);
        Replace(request, RequestSigning.DateHeader, date);
        request.Headers.Remove("Authorization");
        request.Headers.TryAddWithoutValidation("Authorization", RequestSigning.Authorization(keyId, RequestSigning.RequiredSignedHeaders, signature));
    }

    private DateTimeOffset UniqueNow()
    {
        var now = _time.GetUtcNow().UtcTicks;
        while (true)
        {
            var last = Volatile.Read(ref _lastTicks);
            var next = Math.Max(now, last + 1);
            if (Interlocked.CompareExchange(ref _lastTicks, next, last) == last)
            {
                return new DateTimeOffset(next, TimeSpan.Zero);
            }
        }
    }

    private static void Replace(HttpRequestMessage request, string name, string value)
    {
        request.Headers.Remove(name);
        request.Headers.TryAddWithoutValidation(name, value);
    }
}
