using System.Text.RegularExpressions;

namespace Stasis.Server.Images;

/// <summary>
/// An image reference as s.yaml and the registries write it: <c>[registry/]repository[:tag][@sha256:digest]</c>
/// (<c>registry.cn-hangzhou.aliyuncs.com/ns/app:v1</c>). One with neither tag nor digest means <c>:latest</c>,
/// as for docker and podman.
/// </summary>
internal static partial class ImageReference
{
    public const string DigestPrefix = "sha256:";

    /// <summary>The reference with <c>:latest</c> added where it has no tag or digest; null and a problem when it is not one.</summary>
    public static string? Normalize(string? text, out string? problem)
    {
        problem = null;
        var value = text?.Trim() ?? "";
        if (value.Length == 0)
        {
            problem = "the image reference is empty";
            return null;
        }

        if (value.Length > 512 || !Pattern().IsMatch(value))
        {
            problem = $"'{Shorten(value)}' is not an image reference: write [registry/]repository[:tag][@sha256:digest] in lower case, e.g. registry.cn-hangzhou.aliyuncs.com/ns/app:v1";
            return null;
        }

        // As docker reads it, a first component is a registry only with a '.' or ':' in it, or as localhost; else it
        // is part of the repository's path, which is lower case.
        var first = value.Split('/')[0];
        if (value.Contains('/', StringComparison.Ordinal) && first.Any(char.IsAsciiLetterUpper) && !first.Contains('.', StringComparison.Ordinal) && !first.Contains(':', StringComparison.Ordinal))
        {
            problem = $"'{Shorten(value)}' is not an image reference: a repository's path is lower case ('{first}' is not a registry host, which has a '.' or a port)";
            return null;
        }

        var lastSlash = value.LastIndexOf('/');
        var name = value.Split('@')[0];
        var hasTag = name.LastIndexOf(':') > lastSlash;
        return hasTag || value.Contains('@', StringComparison.Ordinal) ? value : value + ":latest";
    }

    /// <summary>Whether <paramref name="text"/> names an image by its digest (<c>sha256:</c> and 64 hex digits, or a prefix of 12 or more).</summary>
    public static bool IsDigest(string text) =>
        text.StartsWith(DigestPrefix, StringComparison.Ordinal) ? HexPattern().IsMatch(text[DigestPrefix.Length..]) : text.Length is >= 12 and <= 64 && HexPattern().IsMatch(text);

    public static string Hex(string digest) => digest.StartsWith(DigestPrefix, StringComparison.Ordinal) ? digest[DigestPrefix.Length..] : digest;

    /// <summary>The first 12 hex digits, as docker shows an image id.</summary>
    public static string Short(string digest) => Hex(digest)[..Math.Min(12, Hex(digest).Length)];

    private static string Shorten(string value) => value.Length > 80 ? value[..80] + "..." : value;

    // docker/distribution's grammar, simplified: host[:port]/path components of [a-z0-9] separated by . _ __ -, a tag of
    // [\w][\w.-]{0,127}, a sha256 digest.
    [GeneratedRegex(@"^(?:[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::[0-9]+)?/)?[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$")]
    private static partial Regex Pattern();

    [GeneratedRegex("^[a-f0-9]+$")]
    private static partial Regex HexPattern();
}
