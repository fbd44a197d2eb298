using System.Globalization;
using System.Text.RegularExpressions;

namespace Stasis.Server.Autoscaling;

/// <summary>Reads the times and time zones of FC's policies.</summary>
internal static partial class ScalingTime
{
    /// <summary>
    /// An ISO 8601 time as FC writes it: <c>2024-03-10T08:00:00Z</c>, <c>2024-03-10T08:00:00.000Z</c>,
    /// with an offset (<c>+08:00</c>) or none; a time without offset is read in <paramref name="zone"/>.
    /// Example: <c>2024-03-10T08:00:00</c> in Asia/Shanghai → 2024-03-10T00:00:00Z. False for a text of
    /// another form, for a local time that a daylight-saving jump skips in that zone, and for one whose
    /// UTC time falls before year 1 or after year 9999.
    /// </summary>
    public static bool TryParse(string text, TimeZoneInfo zone, out DateTimeOffset value)
    {
        value = default;
        var match = IsoTime().Match(text);
        if (!match.Success
            || !DateTime.TryParseExact(match.Groups["local"].Value, LocalFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            return false;
        }

        var offset = match.Groups["offset"].Value;
        if (offset.Length == 0)
        {
            if (zone.IsInvalidTime(local))
            {
                return false;
            }

            return TryCreate(local, zone.GetUtcOffset(local), out value);
        }

        var span = TimeSpan.Zero;
        if (offset is not ("Z" or "z"))
        {
            // +99:99 has the form but is no offset.
            if (!TimeSpan.TryParseExact(offset[1..], "hh\\:mm", CultureInfo.InvariantCulture, out span))
            {
                return false;
            }

            span *= offset[0] == '-' ? -1 : 1;
        }

        if (span.Duration() > TimeSpan.FromHours(14))
        {
            return false;
        }

        return TryCreate(local, span, out value);
    }

    /// <summary>
    /// False when the instant falls outside what <see cref="DateTimeOffset"/> holds: 9999-12-31T23:00:00-14:00
    /// is in year 10000 in UTC, 0001-01-01T00:00:00+08:00 before year 1.
    /// </summary>
    private static bool TryCreate(DateTime local, TimeSpan offset, out DateTimeOffset value)
    {
        var utcTicks = local.Ticks - offset.Ticks;
        if (utcTicks < DateTime.MinValue.Ticks || utcTicks > DateTime.MaxValue.Ticks)
        {
            value = default;
            return false;
        }

        value = new DateTimeOffset(local, offset);
        return true;
    }

    /// <summary>An IANA time zone (<c>Asia/Shanghai</c>); <c>UTC</c> and <c>Etc/UTC</c> are UTC. False when unknown.</summary>
    public static bool TryFindZone(string id, out TimeZoneInfo zone)
    {
        if (id.Equals("UTC", StringComparison.OrdinalIgnoreCase) || id.Equals("Etc/UTC", StringComparison.OrdinalIgnoreCase))
        {
            zone = TimeZoneInfo.Utc;
            return true;
        }

        if (id.Length > 0 && !id.Contains("..", StringComparison.Ordinal) && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var found))
        {
            zone = found;
            return true;
        }

        zone = TimeZoneInfo.Utc;
        return false;
    }

    private static readonly string[] LocalFormats = ["yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd'T'HH:mm"];

    [GeneratedRegex(@"^(?<local>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?)(?<offset>[Zz]|[+-]\d{2}:\d{2})?$", RegexOptions.CultureInvariant)]
    private static partial Regex IsoTime();
}
