namespace Stasis.Client.Specs;

/// <summary>
/// Collects the errors found while reading one spec file, and remembers where each prop path sits so
/// that errors found later (by <see cref="FunctionSpecValidator"/>, which knows nothing of YAML) can
/// still name a line.
/// </summary>
internal sealed class SpecProblems(string source)
{
    private readonly List<SpecDiagnostic> errors = [];
    private readonly Dictionary<string, (int Line, int Column)> marks = new(StringComparer.Ordinal);

    public string Source => source;

    public IReadOnlyList<SpecDiagnostic> Errors => errors;

    public void Locate(string field, int line, int column) => marks.TryAdd(field, (line, column));

    public void Error(string field, int line, int column, string message, string? kind = null, string? subject = null) =>
        errors.Add(new SpecDiagnostic(source, line, column, field, message, kind, subject));

    public void Error(string field, SpecNode at, string message) => Error(field, at.Line, at.Column, message);

    /// <summary>Reports an error at the nearest located path: <c>a.b[2].c</c>, else <c>a.b[2]</c>, else <c>a.b</c>...</summary>
    public void ErrorAtField(string field, string message, string? kind = null, string? subject = null)
    {
        var mark = Find(field);
        errors.Add(new SpecDiagnostic(source, mark?.Line, mark?.Column, field, message, kind, subject));
    }

    /// <summary>Whether an error was already reported at <paramref name="field"/> or below it; the validator's
    /// view of such a field (a value dropped as unreadable) would only repeat it.</summary>
    public bool HasErrorAt(string field) => errors.Any(e =>
        e.Field == field
        || (e.Field.StartsWith(field, StringComparison.Ordinal)
            && e.Field.Length > field.Length
            && e.Field[field.Length] is '.' or '['));

    public (int Line, int Column)? Find(string field)
    {
        for (var path = field; path.Length > 0; path = Parent(path))
        {
            if (marks.TryGetValue(path, out var mark))
            {
                return mark;
            }
        }

        return null;
    }

    private static string Parent(string path)
    {
        var cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
        return cut <= 0 ? "" : path[..cut];
    }
}
