namespace Stasis.Client.Specs;

/// <summary>
/// A problem found in a spec file, located where the file shows it. <see cref="Line"/> and
/// <see cref="Column"/> are 1-based and null when the problem is an absence (a missing prop) that
/// has no better place than its parent.
/// </summary>
public sealed record SpecDiagnostic(string Source, int? Line, int? Column, string Field, string Message, string? Kind = null, string? Subject = null)
{
    public override string ToString()
    {
        var at = Line is null ? Source : Column is null ? $"{Source}:{Line}" : $"{Source}:{Line}:{Column}";
        return Field.Length == 0 ? $"{at}: {Message}" : $"{at}: {Field}: {Message}";
    }
}
