using System.Text.Json.Nodes;
using Stasis.Client.Model;

namespace Stasis.Client.Specs;

/// <summary>
/// What Stasis takes from a Serverless Devs <c>s.yaml</c>: the project name, the resolved
/// <c>vars</c>, one <see cref="SYamlResource"/> per fc3 resource, and warnings about the file as a whole
/// (edition, ignored sections, skipped components).
/// </summary>
public sealed record SYamlDocument(
    string SourceName,
    string? Edition,
    string? Name,
    JsonObject Vars,
    IReadOnlyList<SYamlResource> Resources,
    IReadOnlyList<string> Warnings)
{
    /// <summary>The resources of other components, not deployed: one line each, which is also among <see cref="Warnings"/>.</summary>
    public IReadOnlyList<string> Skipped { get; init; } = [];
}

/// <summary>One fc3 resource of an s.yaml, its props mapped to a validated <see cref="FunctionSpec"/>.</summary>
public sealed record SYamlResource(
    string ResourceKey,
    string Component,
    FunctionSpec Spec,
    List<string> Warnings,
    int Line);
