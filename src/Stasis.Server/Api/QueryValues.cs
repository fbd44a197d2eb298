using System.Globalization;

namespace Stasis.Server.Api;

/// <summary>
/// Query parameters read by the handlers themselves, so that a value that does not read is answered with
/// the API's JSON error naming it; left to the framework's binding it would be a bare 400 with no body.
/// </summary>
internal static class QueryValues
{
    /// <summary><c>true</c> or <c>false</c> in any case; absent or empty is false.</summary>
    public static bool TryFlag(string? text, out bool value)
    {
        value = false;
        return string.IsNullOrEmpty(text) || bool.TryParse(text, out value);
    }

    /// <summary>A whole number from 0 to <paramref name="max"/>; absent or empty is <paramref name="fallback"/>.</summary>
    public static bool TryCount(string? text, int fallback, int max, out int value)
    {
        value = fallback;
        return string.IsNullOrEmpty(text)
            || (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value) && value >= 0 && value <= max);
    }
}
