namespace Stasis.Client.Specs;

/// <summary>
/// An s.yaml that cannot be deployed. It carries every problem found, not only the first, so a user
/// fixes the file in one pass; <see cref="Exception.Message"/> lists them one per line.
/// </summary>
public sealed class SpecException : Exception
{
    public SpecException(IReadOnlyList<SpecDiagnostic> errors)
        : base(Format(errors))
    {
        Errors = errors;
    }

    public SpecException(SpecDiagnostic error)
        : this([error])
    {
    }

    public SpecException(SpecDiagnostic error, Exception inner)
        : base(Format([error]), inner)
    {
        Errors = [error];
    }

    public IReadOnlyList<SpecDiagnostic> Errors { get; }

    private static string Format(IReadOnlyList<SpecDiagnostic> errors)
    {
        if (errors.Count == 1)
        {
            return errors[0].ToString();
        }

        var source = errors.Count > 0 ? errors[0].Source : "spec";
        return $"{source} has {errors.Count} errors:{Environment.NewLine}  "
            + string.Join(Environment.NewLine + "  ", errors.Select(e => e.ToString()));
    }
}
