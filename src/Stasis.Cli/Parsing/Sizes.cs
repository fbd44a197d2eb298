using System.Globalization;

namespace Stasis.Cli.Parsing;

/// <summary>
/// Byte sizes: <c>1048576</c>, <c>512KB</c>, <c>32MB</c>, <c>1GB</c> (also <c>K</c>/<c>KiB</c>, ...). Units are binary,
/// as in Function Compute's "32 MB" body limit, which is 32 × 1024 × 1024 bytes.
/// </summary>
internal static class Sizes
{
    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        var s = text?.Trim();
        if (string.IsNullOrEmpty(s))
        {
            return false;
        }

        var split = 0;
        while (split < s.Length && (char.IsAsciiDigit(s[split]) || s[split] == '.'))
        {
            split++;
        }

        if (split == 0 || !decimal.TryParse(s.AsSpan(0, split), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        long? multiplier = s[split..].Trim().ToUpperInvariant() switch
        {
            "" or "B" => 1,
            "K" or "KB" or "KIB" => 1L << 10,
            "M" or "MB" or "MIB" => 1L << 20,
            "G" or "GB" or "GIB" => 1L << 30,
            _ => null,
        };
        if (multiplier is not { } m)
        {
            return false;
        }

        // decimal holds 28 digits: past long's range is checked below, past decimal's is an overflow.
        if (number > (decimal)long.MaxValue / m)
        {
            return false;
        }

        var total = number * m;
        if (total > long.MaxValue || total != decimal.Truncate(total))
        {
            return false;
        }

        bytes = (long)total;
        return true;
    }

    public static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 when bytes % (1L << 30) == 0 => $"{bytes >> 30}GB",
        >= 1L << 20 when bytes % (1L << 20) == 0 => $"{bytes >> 20}MB",
        >= 1L << 10 when bytes % (1L << 10) == 0 => $"{bytes >> 10}KB",
        _ => $"{bytes}B",
    };
}
