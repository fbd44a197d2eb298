using Stasis.Client.Auth;
using Stasis.Client.Model;

namespace Stasis.Cli.Output;

/// <summary>How access keys read: <c>keys list</c>, and what <c>keys create</c> prints (the token, once).</summary>
internal static class KeyViews
{
    public static TableData List(IEnumerable<AccessKeyInfo> keys, DateTimeOffset now) => new(
        ["ID", "NAME", "SCOPE", "CREATED", "LAST USED", "STATUS"],
        keys.OrderBy(k => k.CreatedAt).ThenBy(k => k.Id, StringComparer.Ordinal).Select(k => (IReadOnlyList<string>)
        [
            k.Id,
            k.Name,
            k.Scope,
            Humanize.Ago(k.CreatedAt, now),
            Humanize.Ago(k.LastUsedAt, now),
            k.RevokedAt is { } revoked ? $"revoked {Humanize.Ago(revoked, now)}" : "active",
        ]).ToList());

    /// <summary>The lines after <c>keys create</c>: the key, its token, and where to keep it.</summary>
    public static IReadOnlyList<string> Created(AccessKeyInfo key) =>
    [
        $"created access key {key.Id} ({key.Name}, scope {key.Scope})",
        $"token: {key.Token}",
        "The token is shown once: it will not be shown again. Keep it, e.g. in " + StasisCredentials.DefaultFile + " (chmod 600):",
        $"  [{StasisCredentials.DefaultProfile}]",
        $"  {CredentialsFile.AccessKeyField} = {key.Token}",
        $"or export {StasisCredentials.AccessKeyVariable}={key.Token}",
    ];
}
