using System.Globalization;

namespace Stasis.Cli.Parsing;

/// <summary>
/// Points in time as people type them: ISO 8601 (<c>2025-01-31T08:00:00Z</c>, a time without an offset is
/// UTC), <c>now</c>, or relative to now with a leading minus: <c>-1h</c>, <c>-30m</c>, <c>-1h30m</c>
/// (any form <see cref="Durations"/> reads). Example: at 12:00Z, <c>-90m</c> is 10:30Z.
/// </summary>
internal static class Instants
{
    public static bool TryParse(string? text, DateTimeOffset now, out DateTimeOffset value)
    {
        value = default;
        var s = text?.Trim();
        if (string.IsNullOrEmpty(s))
        {
            return false;
        }

        if (s.Equals("now", StringComparison.OrdinalIgnoreCase))
        {
            value = now;
            return true;
        }

        if (s.StartsWith('-') && Durations.TryParse(s[1..], out var ago))
        {
            value = now - ago;
            return true;
        }

        if (DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            value = parsed;
            return true;
        }

        return false;
    }
}
