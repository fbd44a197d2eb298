using System.Globalization;
using Stasis.Cli.Parsing;

namespace Stasis.Cli.Output;

/// <summary>Short, table-friendly renderings of times and texts.</summary>
internal static class Humanize
{
    public const string None = "-";

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
