using System.Globalization;

namespace Stasis.Cli.Simulating;

/// <summary>What is wrong with one row of a trace; the reader adds the file and line.</summary>
internal sealed class TraceRowException(string message) : Exception(message);

/// <summary>The values of a trace's fields: times as ticks (100 ns), service times in ms, token counts. Each failure says which column and why.</summary>
internal static class TraceFields
{
    /// <summary>Seconds beyond this (about 29,000 years) do not fit in ticks.</summary>
    private const double MaxSeconds = 9e11;

    private static readonly string[] DateFormats =
    [
        "yyyy-MM-dd HH:mm:ss.FFFFFFF",
        "yyyy-MM-dd HH:mm:ss",
        "yyyy-MM-ddTHH:mm:ss.FFFFFFF",
        "yyyy-MM-ddTHH:mm:ss",
    ];

    /// <summary>A number of seconds as ticks; any origin, negative allowed.</summary>
    public static long Seconds(string value, string column)
    {
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || !double.IsFinite(seconds))
        {
            throw new TraceRowException($"{column} '{value}' is not a number of seconds");
        }

        return Math.Abs(seconds) < MaxSeconds
            ? (long)Math.Round(seconds * TimeSpan.TicksPerSecond)
            : throw new TraceRowException($"{column} '{value}' is out of range");
    }

    /// <summary>A duration in seconds, 0 or more, as ticks.</summary>
    public static long NonNegativeSeconds(string value, string column)
    {
        var ticks = Seconds(value, column);
        return ticks >= 0 ? ticks : throw new TraceRowException($"{column} is {value}; a duration cannot be negative");
    }

    /// <summary>A date and time (UTC unless it carries an offset) as ticks since 0001-01-01.</summary>
    public static bool TryDate(string value, out long ticks)
    {
        const DateTimeStyles Utc = DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal;
        if (DateTime.TryParseExact(value, DateFormats, CultureInfo.InvariantCulture, Utc, out var exact)
            || DateTime.TryParse(value, CultureInfo.InvariantCulture, Utc, out exact))
        {
            ticks = exact.Ticks;
            return true;
        }

        ticks = 0;
        return false;
    }

    public static long Date(string value, string column) =>
        TryDate(value, out var ticks)
            ? ticks
            : throw new TraceRowException($"{column} '{value}' is not a date and time (like 2023-11-16 18:17:03.9799600)");

    public static long Tokens(string value, string column) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            ? count
            : throw new TraceRowException(value.StartsWith('-')
                ? $"{column} is {value}; a token count cannot be negative"
                : $"{column} '{value}' is not a whole number of tokens");

    public static double Milliseconds(string value, string column)
    {
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) || !double.IsFinite(ms))
        {
            throw new TraceRowException($"{column} '{value}' is not a number of milliseconds");
        }

        return ms >= 0 ? ms : throw new TraceRowException($"{column} is {value}; a service time cannot be negative");
    }
}
