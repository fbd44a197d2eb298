using Stasis.Client.Model;

namespace Stasis.Cli.Deploying;

/// <summary>An s.yaml as the CLI deploys it: its fc3 resources, each with the loader's warnings.</summary>
internal sealed record Template(string Path, IReadOnlyList<TemplateResource> Resources, IReadOnlyList<string> Warnings)
{
    /// <summary>The resources of other components, not deployed (each also among the warnings).</summary>
    public IReadOnlyList<string> Skipped { get; init; } = [];
}

internal sealed record TemplateResource(string ResourceKey, FunctionSpec Spec, IReadOnlyList<string> Warnings);
