using Stasis.Client.Model;
using Stasis.Client.Specs;

namespace Stasis.Server.Functions;

/// <summary>Server-side checks of a spec arriving through the REST API: the same rules the CLI applies to s.yaml.</summary>
internal static class FunctionValidation
{
    public static List<string> Validate(FunctionSpec spec) =>
        FunctionSpecValidator.Validate(spec).Select(e => $"{e.Field}: {e.Message}").ToList();

    public static FunctionSpec Normalize(FunctionSpec spec) => FunctionSpecNormalizer.Normalize(spec);
}
