using Stasis.Client.Model;

namespace Stasis.Client.Specs;

/// <summary>
/// Puts the spellings FC accepts loosely into one form, so that the server compares and routes on one
/// form: HTTP methods upper-case and unique, trigger types lower-case, the session affinity type upper-case
/// (FC's <c>NONE</c> or an empty one: none). Everything else is left as given.
/// </summary>
public static class FunctionSpecNormalizer
{
    public static FunctionSpec Normalize(FunctionSpec spec) => spec with
    {
        Triggers = spec.Triggers.Select(t => t with
        {
            TriggerType = t.TriggerType.ToLowerInvariant(),
            TriggerConfig = t.TriggerConfig?.Methods is { } methods
                ? t.TriggerConfig with { Methods = methods.Select(m => m.Trim().ToUpperInvariant()).Distinct().ToList() }
                : t.TriggerConfig,
        }).ToList(),
        SessionAffinity = spec.SessionAffinity?.Trim().ToUpperInvariant() is { Length: > 0 } affinity and not "NONE" ? affinity : null,
    };
}
