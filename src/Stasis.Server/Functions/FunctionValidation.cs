using Stasis.Client.Model;

namespace Stasis.Server.Functions;

/// <summary>Server-side checks of a spec arriving through the REST API.</summary>
internal static class FunctionValidation
{
    public static List<string> Validate(FunctionSpec spec)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(spec.FunctionName))
        {
            errors.Add("functionName: is required");
        }

        return errors;
    }
}
