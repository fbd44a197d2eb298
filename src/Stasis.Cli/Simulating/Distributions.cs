using System.Globalization;
using Stasis.Cli.Parsing;
using Stasis.Server.Simulation;

namespace Stasis.Cli.Simulating;

/// <summary>
/// Durations drawn for each instance (<c>--cold-start</c>, <c>--initialize</c>, <c>--thaw</c>): one value (<c>2s</c>,
/// <c>300ms</c>) or a uniform range <c>MIN..MAX</c> (<c>500ms..1s</c>). A bare number is seconds, as everywhere in the CLI.
/// </summary>
internal static class Distributions
{
    public static TimeDistribution Parse(string text, string option)
    {
        var trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            throw new UsageException($"{option} needs a duration like 2s or a range like 500ms..1s");
        }

        var range = trimmed.IndexOf("..", StringComparison.Ordinal);
        if (range < 0)
        {
            return TimeDistribution.Fixed(Duration(trimmed, text, option));
        }

        var min = Duration(trimmed[..range], text, option);
        var max = Duration(trimmed[(range + 2)..], text, option);
        return min <= max
            ? new TimeDistribution(min, max)
            : throw new UsageException($"{option} '{text}': the range starts after it ends; write MIN..MAX, e.g. 500ms..1s");
    }

    /// <summary><c>2s</c>, <c>500ms..1s</c>: how the output states a distribution.</summary>
    public static string Format(TimeDistribution distribution) =>
        distribution.MinMs >= distribution.MaxMs
            ? Ms(distribution.MinMs)
            : $"{Ms(distribution.MinMs)}..{Ms(distribution.MaxMs)}";

    private static string Ms(double ms) => ms switch
    {
        < 1000 => $"{ms.ToString("0.###", CultureInfo.InvariantCulture)}ms",
        _ => $"{(ms / 1000).ToString("0.###", CultureInfo.InvariantCulture)}s",
    };

    private static double Duration(string part, string text, string option)
    {
        var value = part.Trim();
        if (value.StartsWith('-'))
        {
            throw new UsageException($"{option} '{text}': a duration cannot be negative");
        }

        return Durations.TryParse(value, out var duration)
            ? duration.TotalMilliseconds
            : throw new UsageException($"{option} '{text}': '{value}' is not a duration; use e.g. 300ms, 2s, or a range 500ms..1s");
    }
}
