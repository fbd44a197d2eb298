using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace Stasis.Client.Auth;

/// <summary>
/// An access key as a client presents it: <c>&lt;id&gt;.&lt;secret&gt;</c>, where the id is <c>AK</c> and 20 uppercase
/// letters or digits and the secret 32 random bytes in base64url (43 characters, no padding).
/// </summary>
public sealed class AccessKeyToken
{
    public const int IdLength = 22;
    public const int SecretLength = 43;
    public const string IdPrefix = "AK";
    /// <summary>What a well-formed token looks like, for messages.</summary>
    public const string Shape = "AK<20 uppercase letters or digits>.<43 base64url characters>";

    private const string IdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    private AccessKeyToken(string id, string secret)
    {
        Id = id;
        Secret = secret;
    }

    /// <summary>The key's id, e.g. <c>AK7Q2M...</c>; not secret.</summary>
    public string Id { get; }

    /// <summary>The secret part; never stored by the server, which keeps only its SHA-256.</summary>
    public string Secret { get; }

    /// <summary>A new key: a random id and a random 32-byte secret.</summary>
    public static AccessKeyToken Generate()
    {
        var id = IdPrefix + RandomNumberGenerator.GetString(IdAlphabet, IdLength - IdPrefix.Length);
        return new AccessKeyToken(id, Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32)));
    }

    /// <summary>Reads <c>&lt;id&gt;.&lt;secret&gt;</c>; false for anything else (the caller says what was expected, see <see cref="Shape"/>).</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out AccessKeyToken? token)
    {
        token = null;
        var value = text?.Trim();
        if (value is null || value.Length != IdLength + 1 + SecretLength || value[IdLength] != '.')
        {
            return false;
        }

        var id = value[..IdLength];
        var secret = value[(IdLength + 1)..];
        if (!IsId(id) || !secret.All(IsBase64UrlChar))
        {
            return false;
        }

        token = new AccessKeyToken(id, secret);
        return true;
    }

    /// <summary>Whether <paramref name="id"/> has the shape of a key id (<c>AK</c> and 20 uppercase letters or digits).</summary>
    public static bool IsId(string? id) =>
        id is { Length: IdLength } && id.StartsWith(IdPrefix, StringComparison.Ordinal) && id.AsSpan(IdPrefix.Length).IndexOfAnyExcept(IdAlphabet) < 0;

    /// <summary>SHA-256 of the secret's ASCII bytes: what the server stores, and the key requests are signed with.</summary>
    public byte[] SecretHash() => HashSecret(Secret);

    /// <summary>SHA-256 of a secret's ASCII bytes.</summary>
    public static byte[] HashSecret(string secret) => SHA256.HashData(Encoding.ASCII.GetBytes(secret));

    /// <summary>The token as a client sends it: <c>&lt;id&gt;.&lt;secret&gt;</c>.</summary>
    public string Value => $"{Id}.{Secret}";

    /// <summary>The id only, so that a token written to a log by mistake does not give its secret away.</summary>
    public override string ToString() => Id;

    private static bool IsBase64UrlChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_';
}
