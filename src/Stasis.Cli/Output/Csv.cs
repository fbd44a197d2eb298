namespace Stasis.Cli.Output;

/// <summary>RFC 4180 CSV: comma-separated, a field with a comma, quote or line break quoted, quotes doubled.</summary>
internal static class Csv
{
    public static void Write(TextWriter output, TableData data)
    {
        output.WriteLine(Line(data.Headers));
        foreach (var row in data.Rows)
        {
            output.WriteLine(Line(row));
        }
    }

    public static string Line(IEnumerable<string> fields) => string.Join(',', fields.Select(Field));

    /// <summary>e.g. <c>a,b</c> → <c>"a,b"</c>; <c>say "hi"</c> → <c>"say ""hi"""</c>.</summary>
    public static string Field(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
