using System.Globalization;
using Stasis.Cli.Parsing;

namespace Stasis.Cli.Output;

/// <summary>Short, table-friendly renderings of times and texts.</summary>
internal static class Humanize
{
    public const string None = "-";

    /// <summary>An image digest as docker shows an image id: its first 12 hex digits; null → "-".</summary>
    public static string Digest(string? digest)
    {
        if (digest is null)
        {
            return None;
        }

        var hex = digest.StartsWith("sha256:", StringComparison.Ordinal) ? digest["sha256:".Length..] : digest;
        return hex[..Math.Min(12, hex.Length)];
    }

    /// <summary><c>12s ago</c>, <c>5m ago</c>, <c>3h ago</c>, <c>2d ago</c>; a clock ahead of ours reads <c>just now</c>.</summary>
    public static string Ago(DateTimeOffset? at, DateTimeOffset now)
    {
        if (at is not { } time)
        {
            return None;
        }

        var age = now - time;
        return age.TotalSeconds switch
        {
            < 1 => "just now",
            < 60 => $"{(int)age.TotalSeconds}s ago",
            < 3600 => $"{(int)age.TotalMinutes}m ago",
            < 86400 => $"{(int)age.TotalHours}h ago",
            _ => $"{(int)age.TotalDays}d ago",
        };
    }

    /// <summary>How long after <paramref name="from"/> something happened, e.g. <c>+2.3s</c> from start to ready.</summary>
    public static string After(DateTimeOffset from, DateTimeOffset? to)
    {
        if (to is not { } end)
        {
            return None;
        }

        var span = end - from;
        return span < TimeSpan.Zero ? None : "+" + Durations.Format(TimeSpan.FromMilliseconds(Math.Round(span.TotalMilliseconds / 100) * 100));
    }

    /// <summary>Seconds as FC states them (<c>timeout: 60</c> reads <c>60s</c>, not <c>1m</c>).</summary>
    /// <summary>Examples: 0 → "0s", 850 → "850ms", 12_345 → "12.3s", 754_000 → "12m34s", 7_384_000 → "2h03m".</summary>
    public static string Milliseconds(long ms) => ms switch
    {
        0 => "0s",
        < 1000 => $"{ms.ToString(CultureInfo.InvariantCulture)}ms",
        < 60_000 => $"{(ms / 1000.0).ToString("0.#", CultureInfo.InvariantCulture)}s",
        < 3_600_000 => $"{(ms / 60_000).ToString(CultureInfo.InvariantCulture)}m{(ms / 1000 % 60).ToString("00", CultureInfo.InvariantCulture)}s",
        _ => $"{(ms / 3_600_000).ToString(CultureInfo.InvariantCulture)}h{(ms / 60_000 % 60).ToString("00", CultureInfo.InvariantCulture)}m",
    };

    public static string Seconds(int seconds) => $"{seconds.ToString(CultureInfo.InvariantCulture)}s";

    public static string Truncate(string? text, int max)
    {
        if (string.IsNullOrEmpty(text))
        {
            return None;
        }

        // One line per cell: a multi-line error would tear the table apart.
        var line = text.ReplaceLineEndings(" ").Trim();
        return line.Length <= max ? line : line[..(max - 1)] + "…";
    }

    public static string Number(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    public static string OrNone(string? text) => string.IsNullOrWhiteSpace(text) ? None : text;
}
