using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Stasis.Client.Auth;

/// <summary>
/// The <c>STASIS-HMAC-SHA256</c> request signature (docs/security.md), shared by the client that signs and the server
/// that verifies. The string to sign is
/// <c>METHOD \n PATH \n CANONICAL_QUERY \n</c>, then each signed header as <c>name:trimmed value \n</c>, then
/// <c>\n SIGNED_HEADERS \n BODY_SHA256</c>; the signature is its HMAC-SHA256 under the SHA-256 of the key's secret, in
/// lowercase hex.
/// </summary>
public static class RequestSigning
{
    /// <summary>The scheme word of the <c>Authorization</c> header.</summary>
    public const string Scheme = "STASIS-HMAC-SHA256";
    /// <summary>When the request was signed, RFC 3339 UTC (<c>2026-11-25T12:00:00Z</c>, fractions allowed).</summary>
    public const string DateHeader = "x-stasis-date";
    /// <summary>Hex SHA-256 of the request body (of nothing, for a request without one).</summary>
    public const string ContentHashHeader = "x-stasis-content-sha256";
    /// <summary>The headers every signature covers; more may be listed.</summary>
    public const string RequiredSignedHeaders = "host;x-stasis-content-sha256;x-stasis-date";
    /// <summary>SHA-256 of an empty body.</summary>
    public const string EmptyBodyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    /// <summary>How far a request's date may be from the server's clock, either way.</summary>
    public static readonly TimeSpan MaxSkew = TimeSpan.FromMinutes(5);

    private static readonly string[] Required = RequiredSignedHeaders.Split(';');
    private static readonly string[] Fields = ["Credential", "SignedHeaders", "Signature"];
    private static readonly string[] DateFormats = ["yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'"];

    /// <summary>
    /// The query string in canonical form: each parameter's name and value percent-decoded, then percent-encoded as
    /// RFC 3986 does (everything but letters, digits and <c>-._~</c>, as UTF-8, upper-case hex), sorted by name then value
    /// (ordinal), joined by <c>&amp;</c>; a parameter without <c>=</c> has an empty value. <c>+</c> is a plus, not a space.
    /// </summary>
    public static string CanonicalQuery(string? query)
    {
        var text = query is { Length: > 0 } && query[0] == '?' ? query[1..] : query ?? "";
        if (text.Length == 0)
        {
            return "";
        }

        var pairs = new List<(string Name, string Value)>();
        foreach (var part in text.Split('&'))
        {
            if (part.Length == 0)
            {
                continue;
            }

            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? part : part[..equals];
            var value = equals < 0 ? "" : part[(equals + 1)..];
            pairs.Add((Encode(name), Encode(value)));
        }

        pairs.Sort((a, b) =>
        {
            var byName = string.CompareOrdinal(a.Name, b.Name);
            return byName != 0 ? byName : string.CompareOrdinal(a.Value, b.Value);
        });
        return string.Join('&', pairs.Select(p => p.Name + "=" + p.Value));
    }

    /// <summary>The string a request's signature covers; <paramref name="headers"/> in the order of the signed-headers list.</summary>
    public static string StringToSign(string method, string path, string canonicalQuery, IEnumerable<KeyValuePair<string, string>> headers, string bodyHash)
    {
        var text = new StringBuilder();
        text.Append(method.ToUpperInvariant()).Append('\n').Append(path).Append('\n').Append(canonicalQuery).Append('\n');
        var names = new List<string>();
        foreach (var (name, value) in headers)
        {
            var lower = name.ToLowerInvariant();
            names.Add(lower);
            text.Append(lower).Append(':').Append(value.Trim()).Append('\n');
        }

        text.Append('\n').Append(string.Join(';', names)).Append('\n').Append(bodyHash.Trim());
        return text.ToString();
    }

    /// <summary>HMAC-SHA256 of <paramref name="stringToSign"/> under <paramref name="signingKey"/> (the secret's SHA-256), lowercase hex.</summary>
    public static string Sign(ReadOnlySpan<byte> signingKey, string stringToSign) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(signingKey, Encoding.UTF8.GetBytes(stringToSign)));

    /// <summary>Hex SHA-256 of a body.</summary>
    public static string HashBody(ReadOnlySpan<byte> body) => Convert.ToHexStringLower(SHA256.HashData(body));

    /// <summary>The value of <see cref="DateHeader"/>: UTC with 100 ns precision, which RFC 3339 allows.</summary>
    public static string FormatDate(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Reads an RFC 3339 UTC time as <see cref="DateHeader"/> carries it (<c>Z</c>, fractions of a second optional).</summary>
    public static bool TryParseDate(string? text, out DateTimeOffset at) =>
        DateTimeOffset.TryParseExact(text?.Trim(), DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out at);

    /// <summary>The <c>Authorization</c> header value for a signature.</summary>
    public static string Authorization(string keyId, string signedHeaders, string signature) =>
        $"{Scheme} Credential={keyId}, SignedHeaders={signedHeaders}, Signature={signature}";

    /// <summary>
    /// Reads a <c>STASIS-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...</c> header value; when it is not one,
    /// <paramref name="problem"/> says what is wrong in words a client can act on.
    /// </summary>
    public static bool TryParseAuthorization(string value, [NotNullWhen(true)] out SignedAuthorization? authorization, [NotNullWhen(false)] out string? problem)
    {
        authorization = null;
        if (!value.StartsWith(Scheme + " ", StringComparison.OrdinalIgnoreCase))
        {
            problem = $"the Authorization header is not '{Scheme} Credential=..., SignedHeaders=..., Signature=...'.";
            return false;
        }

        var example = Authorization("AK...", RequiredSignedHeaders, "<hex>");
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in value[(Scheme.Length + 1)..].Split(','))
        {
            var item = part.Trim();
            var equals = item.IndexOf('=', StringComparison.Ordinal);
            var key = equals < 0 ? item : item[..equals].Trim();
            var text = equals < 0 ? "" : item[(equals + 1)..].Trim();
            if (!Fields.Contains(key, StringComparer.OrdinalIgnoreCase) || text.Length == 0 || !fields.TryAdd(key, text))
            {
                problem = $"the {Scheme} Authorization header takes Credential, SignedHeaders and Signature once each, like '{example}'; '{item}' is not one of them.";
                return false;
            }
        }

        if (!fields.TryGetValue("Credential", out var credential) || !fields.TryGetValue("SignedHeaders", out var signed) || !fields.TryGetValue("Signature", out var signature))
        {
            problem = $"the {Scheme} Authorization header needs Credential, SignedHeaders and Signature, like '{example}'.";
            return false;
        }

        var names = signed.ToLowerInvariant().Split(';');
        if (names.Any(n => n.Length == 0) || names.Distinct(StringComparer.Ordinal).Count() != names.Length || Required.Any(r => !names.Contains(r)))
        {
            problem = $"SignedHeaders must list {RequiredSignedHeaders} (and any other header signed), each once, separated by ';'; got '{signed}'.";
            return false;
        }

        if (signature.Length != 64 || !signature.All(char.IsAsciiHexDigit))
        {
            problem = "Signature must be the HMAC-SHA256 of the string to sign in hex (64 characters); see docs/security.md.";
            return false;
        }

        authorization = new SignedAuthorization(credential, names, Convert.FromHexString(signature));
        problem = null;
        return true;
    }

    private static string Encode(string raw) => Uri.EscapeDataString(Uri.UnescapeDataString(raw));
}

/// <summary>A parsed <c>STASIS-HMAC-SHA256</c> Authorization header: the key id, the signed headers in order, the signature's bytes.</summary>
public sealed record SignedAuthorization(string KeyId, IReadOnlyList<string> SignedHeaders, byte[] Signature)
{
    /// <summary>The signed headers as the header lists them, <c>;</c>-separated.</summary>
    public string SignedHeadersText => string.Join(';', SignedHeaders);
}
