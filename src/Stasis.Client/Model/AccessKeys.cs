namespace Stasis.Client.Model;

/// <summary>An access key as the control API shows it (<c>/api/v1/keys</c>); the secret only in the answer that created it.</summary>
public sealed record AccessKeyInfo
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    /// <summary><c>admin</c>, <c>read</c> or <c>invoke:FUNCTION</c>.</summary>
    public required string Scope { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? RevokedAt { get; init; }
    public DateTimeOffset? LastUsedAt { get; init; }
    public bool Active => RevokedAt is null;
    /// <summary><c>&lt;id&gt;.&lt;secret&gt;</c>, in the answer to POST /api/v1/keys only: it is never shown again.</summary>
    public string? Token { get; init; }
}

/// <summary>The body of POST /api/v1/keys.</summary>
public sealed record CreateAccessKeyRequest
{
    public string? Name { get; init; }
    /// <summary><c>admin</c>, <c>read</c> or <c>invoke:FUNCTION</c>.</summary>
    public string? Scope { get; init; }
}

/// <summary>The scopes an access key can have.</summary>
public static class AccessKeyScopes
{
    public const string Admin = "admin";
    public const string Read = "read";
    public const string InvokePrefix = "invoke:";

    /// <summary>The scope that may invoke <paramref name="functionName"/>'s function-auth triggers.</summary>
    public static string Invoke(string functionName) => InvokePrefix + functionName;
}
