using Stasis.Client.Model;

namespace Stasis.Cli.Output;

/// <summary>One deployed resource: the s.yaml key it came from and what the server did with it.</summary>
internal sealed record DeployedResource(string ResourceKey, DeployResult Result);

internal static class DeployView
{
    /// <summary>A row per trigger (that is the URL people call), or one row with the function's URL when it has none.</summary>
    public static TableData Table(IEnumerable<DeployedResource> deployed) => new(
        ["RESOURCE", "FUNCTION", "OUTCOME", "TRIGGER", "URL"],
        deployed.SelectMany(d =>
        {
            var f = d.Result.Function;
            return f.Triggers.Count == 0
                ? [Row(d, Humanize.None, f.Url)]
                : f.Triggers.Select(t => Row(d, t.TriggerName, string.IsNullOrEmpty(t.Url) ? f.Url : t.Url));
        }).ToList());

    private static IReadOnlyList<string> Row(DeployedResource d, string trigger, string url) =>
        [d.ResourceKey, d.Result.Function.Spec.FunctionName, d.Result.Outcome, trigger, url];
}
