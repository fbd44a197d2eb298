using Stasis.Client.Model;
using Stasis.Client.Specs;

namespace Stasis.Server.Functions;

/// <summary>Server-side checks of a spec arriving through the REST API: the same rules the CLI applies to s.yaml.</summary>
internal static class FunctionValidation
{
    public static List<string> Validate(FunctionSpec spec)
    {
        var errors = FunctionSpecValidator.Validate(spec).Select(e => $"{e.Field}: {e.Message}").ToList();
        if (spec.ProvisionConfig is { } provision && ProvisionConfigJson.Check(provision) is { } problem)
        {
            errors.Add($"provisionConfig: {problem}");
        }

        return errors;
    }

    public static FunctionSpec Normalize(FunctionSpec spec) => FunctionSpecNormalizer.Normalize(spec);
}
