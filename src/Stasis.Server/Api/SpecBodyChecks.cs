using Stasis.Client.Model;

namespace Stasis.Server.Api;

/// <summary>
/// What JSON can put into a spec that its C# shape does not forbid: a null inside a list or as a variable's value
/// (<c>"triggers": [null]</c>, <c>"methods": [null]</c>, <c>"environmentVariables": {"A": null}</c>). Each would
/// fail far from the request (a 500, a broken launch); here it is refused with the place to fix. Kept JSON is
/// checked as it is read (<see cref="KeptJsonConverter"/>).
/// </summary>
internal static class SpecBodyChecks
{
    /// <summary>
    /// JSON null for a field the model has no null for means "not given": <c>"functionName": null</c> is an empty
    /// name (PUT takes the URL's, POST refuses it as missing), a null list is an empty one, a trigger's null type is http.
    /// </summary>
    public static FunctionSpec WithoutNulls(FunctionSpec spec) => spec with
    {
        FunctionName = spec.FunctionName ?? "",
        // A null trigger stays as it is, for FirstProblem to name.
        Triggers = spec.Triggers?.Select(t => t is null ? t! : t with { TriggerName = t.TriggerName ?? "", TriggerType = t.TriggerType ?? "http" }).ToList() ?? [],
        EnvironmentVariables = spec.EnvironmentVariables ?? [],
    };

    /// <summary>The first problem of <paramref name="spec"/>, as a sentence; null when there is none.</summary>
    public static string? FirstProblem(FunctionSpec spec)
    {
        for (var i = 0; i < spec.Triggers.Count; i++)
        {
            var trigger = spec.Triggers[i];
            if (trigger is null)
            {
                return $"triggers[{i}] is null; give a trigger such as {{\"triggerName\": \"http\", \"triggerType\": \"http\"}}, or leave it out";
            }

            if (NullAt(trigger.TriggerConfig?.Methods) is { } m)
            {
                return $"triggers[{i}].triggerConfig.methods[{m}] is null; give a method such as \"GET\"";
            }
        }

        if (NullAt(spec.CustomContainerConfig?.Entrypoint) is { } e)
        {
            return $"customContainerConfig.entrypoint[{e}] is null; give a string";
        }

        if (NullAt(spec.CustomContainerConfig?.Command) is { } c)
        {
            return $"customContainerConfig.command[{c}] is null; give a string";
        }

        if (spec.EnvironmentVariables.FirstOrDefault(v => v.Value is null) is { Key: { } name })
        {
            return $"environmentVariables.{name} is null; give a string (\"\" for an empty value)";
        }

        return null;
    }

    private static int? NullAt<T>(List<T>? list) where T : class
    {
        var at = list?.FindIndex(item => item is null) ?? -1;
        return at >= 0 ? at : null;
    }
}
