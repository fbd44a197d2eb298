using System.Globalization;

namespace Stasis.Server.Metrics;

/// <summary>
/// The <c>since</c> of a metrics query: a duration back from now (<c>30s</c>, <c>15m</c>, <c>1h</c>, <c>24h</c>,
/// <c>7d</c>, or combined like <c>1h30m</c>) or an ISO 8601 time (UTC when it has no offset).
/// </summary>
internal static class MetricsSince
{
    public const string Forms = "a duration back from now like 15m, 1h, 24h or 7d, or an ISO 8601 time like 2026-01-31T08:00:00Z";

    public static bool TryParse(string text, DateTimeOffset now, out DateTimeOffset since)
    {
        since = default;
        var s = text.Trim();
        if (s.Length == 0)
        {
            return false;
        }

        if (TryParseDuration(s, out var back))
        {
            since = back >= now - DateTimeOffset.MinValue ? DateTimeOffset.MinValue : now - back;
            return true;
        }

        return DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out since);
    }

    private static bool TryParseDuration(string s, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        double total = 0;
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }

            if (i == start || i == s.Length
                || !double.TryParse(s.AsSpan(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            double seconds = s[i] switch
            {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                'd' => 86400,
                _ => 0,
            };
            if (seconds == 0)
            {
                return false;
            }

            total += number * seconds;
            i++;
        }

        if (total > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            return false;
        }

        value = TimeSpan.FromSeconds(total);
        return true;
    }
}
