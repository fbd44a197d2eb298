namespace Stasis.Server.Security;

/// <summary>Who a request authenticated as, or the answer (401, or 429 when signed requests cannot be tracked) that refuses it.</summary>
internal sealed class AuthResult
{
    /// <summary>What a client needs to know, whatever was wrong with its key: one message, so nothing is learnt about keys by probing.</summary>
    public const string Generic =
        "send an active access key as the header \"Authorization: Bearer KEY_ID.SECRET\", or sign the request with one (STASIS-HMAC-SHA256); see docs/security.md. An admin makes keys with: stasis keys create";

    /// <summary>The <c>WWW-Authenticate</c> challenge of a 401.</summary>
    public const string Challenge = "Bearer realm=\"stasis\", STASIS-HMAC-SHA256 realm=\"stasis\"";

    private AuthResult(AccessKey? key, int status, string code, string message, TimeSpan? retryAfter = null)
    {
        Key = key;
        Status = status;
        Code = code;
        Message = message;
        RetryAfter = retryAfter;
    }

    /// <summary>The key the request authenticated with; null when it did not.</summary>
    public AccessKey? Key { get; }

    public int Status { get; }

    public string Code { get; }

    public string Message { get; }

    public TimeSpan? RetryAfter { get; }

    public static AuthResult Success(AccessKey key) => new(key, 200, "", "");

    /// <summary>Missing, unknown, revoked, wrong secret, bad signature, replayed: the same answer for all.</summary>
    public static readonly AuthResult Unauthorized = new(null, 401, "Unauthorized", Generic);

    /// <summary>A request whose credentials are malformed: what is wrong (nothing about any key), then the generic advice.</summary>
    public static AuthResult Malformed(string problem) => new(null, 401, "Unauthorized", $"{problem} {Generic}");

    public static AuthResult Skewed(string message) => new(null, 401, "RequestTimeTooSkewed", message);

    public static AuthResult Busy(string message, TimeSpan retryAfter) => new(null, 429, "TooManySignedRequests", message, retryAfter);
}
