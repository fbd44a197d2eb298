namespace Stasis.Cli.Parsing;

/// <summary>curl-style <c>-H 'Name: value'</c> headers.</summary>
internal static class HeaderLines
{
    public static bool TryParse(string? line, out KeyValuePair<string, string> header, out string? error)
    {
        header = default;
        error = null;
        var colon = line?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        if (line is null || colon <= 0)
        {
            error = $"header '{line}' is not 'Name: value'";
            return false;
        }

        var name = line[..colon].Trim();
        if (name.Length == 0 || !name.All(IsTokenChar))
        {
            error = $"header name '{name}' is not a valid HTTP header name";
            return false;
        }

        header = new(name, line[(colon + 1)..].Trim());
        return true;
    }

    // RFC 9110 token characters.
    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);
}
