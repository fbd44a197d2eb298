using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Stasis.Client.Auth;

namespace Stasis.Server.Security;

/// <summary>
/// Checks a request's credentials: <c>Authorization: Bearer &lt;id&gt;.&lt;secret&gt;</c>, or a
/// <c>STASIS-HMAC-SHA256</c> signature (<see cref="RequestSigning"/>) whose date is within five minutes of the server's
/// clock, whose body hash matches the body and which was not seen before. Comparisons of secrets and signatures are
/// constant-time. It says who the request is; what that key may do is the caller's business.
/// </summary>
internal sealed class RequestAuthenticator(AccessKeys keys, ReplayCache replays, TimeProvider time, ILoggerFactory logs)
{
    private const string BearerPrefix = "Bearer ";
    private static readonly byte[] NoKey = new byte[32];

    private readonly ILogger _log = logs.CreateLogger("Stasis.Auth");

    public async ValueTask<AuthResult> AuthenticateAsync(HttpContext context)
    {
        var values = context.Request.Headers.Authorization;
        if (values.Count == 0 || string.IsNullOrWhiteSpace(values[0]))
        {
            return AuthResult.Unauthorized;
        }

        if (values.Count > 1)
        {
            return AuthResult.Malformed("the request has more than one Authorization header.");
        }

        var value = values[0]!.Trim();
        if (value.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return Bearer(value[BearerPrefix.Length..]);
        }

        if (value.StartsWith(RequestSigning.Scheme + " ", StringComparison.OrdinalIgnoreCase))
        {
            return await SignedAsync(context, value).ConfigureAwait(false);
        }

        return AuthResult.Malformed("the Authorization header's scheme is neither Bearer nor STASIS-HMAC-SHA256.");
    }

    private AuthResult Bearer(string text)
    {
        if (!AccessKeyToken.TryParse(text, out var token))
        {
            return AuthResult.Malformed($"the Bearer token is not an access key ({AccessKeyToken.Shape}).");
        }

        var key = keys.Find(token.Id);
        // The hash is computed and compared whether or not the key exists, so timing tells nothing about ids.
        var matches = CryptographicOperations.FixedTimeEquals(token.SecretHash(), key?.SecretHash ?? NoKey);
        if (!IsValid(key, matches, "bearer"))
        {
            return AuthResult.Unauthorized;
        }

        keys.Used(key);
        return AuthResult.Success(key);
    }

    private async ValueTask<AuthResult> SignedAsync(HttpContext context, string header)
    {
        if (!RequestSigning.TryParseAuthorization(header, out var authorization, out var problem))
        {
            return AuthResult.Malformed(problem);
        }

        var request = context.Request;
        var dateText = request.Headers[RequestSigning.DateHeader].ToString();
        if (!RequestSigning.TryParseDate(dateText, out var date))
        {
            return AuthResult.Malformed($"{RequestSigning.DateHeader} must be the signing time in RFC 3339 UTC, like 2026-11-25T12:00:00Z; got '{dateText}'.");
        }

        var now = time.GetUtcNow();
        if ((now - date).Duration() > RequestSigning.MaxSkew)
        {
            return AuthResult.Skewed(string.Create(CultureInfo.InvariantCulture,
                $"{RequestSigning.DateHeader} {RequestSigning.FormatDate(date)} is {Skew(now - date)} the server's time {now.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}; signed requests must be within {RequestSigning.MaxSkew.TotalMinutes:0} minutes of it. Correct the client's clock (or sign with the server's time) and send it again."));
        }

        var claimedHash = request.Headers[RequestSigning.ContentHashHeader].ToString().Trim();
        if (claimedHash.Length != 64 || !claimedHash.All(char.IsAsciiHexDigit))
        {
            return AuthResult.Malformed($"{RequestSigning.ContentHashHeader} must be the hex SHA-256 of the body (of nothing for an empty body: {RequestSigning.EmptyBodyHash}).");
        }

        var signed = new List<KeyValuePair<string, string>>(authorization.SignedHeaders.Count);
        foreach (var name in authorization.SignedHeaders)
        {
            var headerValue = name == "host" ? request.Headers.Host.ToString() : request.Headers[name].ToString();
            if (headerValue.Length == 0)
            {
                return AuthResult.Malformed($"the signed header '{name}' is not in the request.");
            }

            signed.Add(KeyValuePair.Create(name, headerValue));
        }

        var (path, query) = Target(context);
        var key = keys.Find(authorization.KeyId);
        var toSign = RequestSigning.StringToSign(request.Method, path, RequestSigning.CanonicalQuery(query), signed, claimedHash);
        var expected = HMACSHA256.HashData(key?.SecretHash ?? NoKey, System.Text.Encoding.UTF8.GetBytes(toSign));
        if (!IsValid(key, CryptographicOperations.FixedTimeEquals(expected, authorization.Signature), "signature"))
        {
            return AuthResult.Unauthorized;
        }

        // The signature holds, so the body is worth reading: it must be the body the client hashed.
        var actualHash = await HashBodyAsync(request, context.RequestAborted).ConfigureAwait(false);
        if (!CryptographicOperations.FixedTimeEquals(actualHash, Convert.FromHexString(claimedHash)))
        {
            return AuthResult.Malformed($"{RequestSigning.ContentHashHeader} does not match the body's SHA-256; hash exactly the bytes sent.");
        }

        switch (replays.TryRecord(authorization.Signature, date + RequestSigning.MaxSkew, now, out var retryAfter))
        {
            case ReplayVerdict.Replayed:
                _log.LogDebug("refused a replayed signature of key {Id}", key.Id);
                return AuthResult.Unauthorized;
            case ReplayVerdict.Full:
                return AuthResult.Busy(string.Create(CultureInfo.InvariantCulture,
                    $"the server holds {replays.Capacity} recent signatures to refuse replays and has no room for more; retry in {retryAfter.TotalSeconds:0} s, or send the key as a Bearer token over TLS."), retryAfter);
        }

        keys.Used(key);
        return AuthResult.Success(key);
    }

    /// <summary>Whether <paramref name="key"/> exists, is active and its secret or signature matched; a refusal is logged at debug level.</summary>
    private bool IsValid([NotNullWhen(true)] AccessKey? key, bool matches, string how)
    {
        if (key is not null && matches && key.Active)
        {
            return true;
        }

        _log.LogDebug("refused {How} credentials: {Why}", how, key is null ? "unknown key" : !matches ? $"wrong secret or signature for {key.Id}" : $"{key.Id} is revoked");
        return false;
    }

    /// <summary>The path and query exactly as the request line carried them: the client signed those bytes.</summary>
    private static (string Path, string? Query) Target(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (raw is { Length: > 0 } && raw[0] == '/')
        {
            var mark = raw.IndexOf('?', StringComparison.Ordinal);
            return mark < 0 ? (raw, null) : (raw[..mark], raw[(mark + 1)..]);
        }

        var request = context.Request;
        return ((request.PathBase + request.Path).ToUriComponent(), request.QueryString.Value);
    }

    /// <summary>SHA-256 of the whole body, which stays readable from the start for the endpoint (buffered, to disk past 64 KB).</summary>
    private static async Task<byte[]> HashBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        request.EnableBuffering(bufferThreshold: 64 * 1024);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        request.Body.Position = 0;
        return hash.GetHashAndReset();
    }

    private static string Skew(TimeSpan difference)
    {
        var d = difference.Duration();
        var text = d.TotalHours >= 1 ? $"{(int)d.TotalHours}h{d.Minutes:00}m" : $"{(int)d.TotalMinutes}m{d.Seconds:00}s";
        return difference > TimeSpan.Zero ? text + " behind" : text + " ahead of";
    }
}
