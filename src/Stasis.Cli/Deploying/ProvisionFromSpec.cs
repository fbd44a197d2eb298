using System.Text.Json;
using Stasis.Client.Model;

namespace Stasis.Cli.Deploying;

/// <summary>
/// s.yaml's <c>provisionConfig</c> (FC's ProvisionConfig under a function's props), as <c>deploy</c> applies it after
/// the function: the same fields <c>provision put</c> takes. The server has already checked it with the function.
/// </summary>
internal static class ProvisionFromSpec
{
    /// <summary>
    /// The input to PUT, or null when the spec has no provisionConfig. Example: <c>{defaultTarget: 2, alwaysAllocateCPU: false}</c>
    /// → target 2 with idle mode on.
    /// </summary>
    public static ProvisionConfigInput? From(FunctionSpec spec, string resourceKey)
    {
        if (spec.ProvisionConfig is not { } config)
        {
            return null;
        }

        try
        {
            return config.Deserialize<ProvisionConfigInput>(JsonDefaults.Options) ?? new ProvisionConfigInput();
        }
        catch (JsonException e)
        {
            throw new CliException($"{resourceKey}.props.provisionConfig: {e.Message.Split(" Path:")[0]}", ExitCodes.Failure, e);
        }
    }
}
