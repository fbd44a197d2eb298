using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Stasis.Client.Model;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Stasis.Client.Specs;

/// <summary>
/// Reads a Serverless Devs <c>s.yaml</c> (edition 3.0.0) the way the fc3 component does, and turns each fc3
/// resource into a validated <see cref="FunctionSpec"/>. All problems in the file are gathered and thrown
/// together as one <see cref="SpecException"/>, each with its line; what Stasis does not use is kept or
/// skipped and reported as a warning. docs/s-yaml.md describes the rules.
/// </summary>
public static partial class SYamlLoader
{
    public const string SupportedEdition = "3.0.0";

    /// <summary>Reads the file at <paramref name="path"/>; relative <c>code</c> paths resolve against its directory.</summary>
    /// <param name="env">Looks up environment variables for <c>${env(...)}</c>; the process environment when null.</param>
    /// <param name="requireRunnable">
    /// Whether each function must be startable by the local process runtime (an entrypoint or command, a code directory);
    /// false for reading a function's settings only, as <c>simulate</c> does with an s.yaml that names just an image.
    /// </param>
    public static SYamlDocument Load(string path, Func<string, string?>? env = null, bool requireRunnable = true)
    {
        var full = Path.GetFullPath(path);
        string text;
        try
        {
            text = File.ReadAllText(full);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SpecException(new SpecDiagnostic(path, null, null, "", $"cannot read the file: {ex.Message}"), ex);
        }

        return Parse(text, Path.GetDirectoryName(full)!, path, env, requireRunnable);
    }

    /// <param name="baseDirectory">What relative <c>code</c> paths resolve against (the s.yaml's directory).</param>
    /// <param name="sourceName">How errors name the file.</param>
    public static SYamlDocument Parse(string yaml, string baseDirectory, string sourceName, Func<string, string?>? env = null, bool requireRunnable = true)
    {
        var root = ReadRoot(yaml, sourceName, out var extraDocuments);
        var problems = new SpecProblems(sourceName);
        var warnings = new List<string>();
        if (extraDocuments)
        {
            warnings.Add("the file holds several YAML documents; only the first is read");
        }

        var top = root.Children
            .Where(c => c.Key is YamlScalarNode { Value: not null })
            .ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => (Key: c.Key, Value: c.Value), StringComparer.Ordinal);
        var vars = top.TryGetValue("vars", out var varsEntry) ? varsEntry.Value as YamlMappingNode : null;
        if (varsEntry.Value is not null and not YamlMappingNode && !IsNull(varsEntry.Value))
        {
            Error(problems, "vars", varsEntry.Value, "expected a mapping of variables");
        }

        var interpolator = new SpecInterpolator(vars, env ?? Environment.GetEnvironmentVariable, problems);
        var varsJson = vars is null ? new JsonObject() : (JsonObject)SpecReader.ToJson(interpolator.Resolve(vars, "vars", warnings))!;

        string? edition = null;
        string? name = null;
        foreach (var (key, entry) in top)
        {
            var line = SpecInterpolator.At(entry.Key.Start).Line;
            switch (key)
            {
                case "edition":
                    edition = (entry.Value as YamlScalarNode)?.Value;
                    if (edition != SupportedEdition)
                    {
                        warnings.Add($"edition '{edition}' (line {line}) is not {SupportedEdition}, the edition Stasis reads; the file may not load as intended");
                    }

                    break;
                case "name":
                    name = new SpecReader(problems).String(interpolator.Resolve(entry.Value, "name", warnings), "name");
                    break;
                case "access" or "vars" or "resources":
                    break;
                case "template" or "flow" or "actions":
                    warnings.Add($"{key} (line {line}) is ignored by Stasis");
                    break;
                default:
                    warnings.Add($"{key} (line {line}) is not used by Stasis and was ignored");
                    break;
            }
        }

        if (!top.ContainsKey("edition"))
        {
            warnings.Add($"edition is missing; Stasis reads edition {SupportedEdition} files");
        }

        var resources = new List<SYamlResource>();
        var skipped = new List<string>();
        if (!top.TryGetValue("resources", out var resourcesEntry) || resourcesEntry.Value is not YamlMappingNode resourceMap)
        {
            Error(problems, "resources", resourcesEntry.Value ?? root, "resources is required: a mapping of resource name to {component: fc3, props: ...}");
        }
        else
        {
            foreach (var (keyNode, value) in resourceMap.Children)
            {
                if (ReadResource(keyNode, value, interpolator, problems, warnings, skipped, baseDirectory, requireRunnable) is { } resource)
                {
                    resources.Add(resource);
                }
            }

            CheckDistinctNames(resources, problems);
        }

        if (problems.Errors.Count > 0)
        {
            throw new SpecException(SpecErrorSummary.Reduce(problems.Errors.OrderBy(e => e.Line ?? int.MaxValue).ThenBy(e => e.Column).ToList()));
        }

        return new SYamlDocument(sourceName, edition, name, varsJson, resources, warnings) { Skipped = skipped };
    }

    /// <summary>The first tab in a line's leading whitespace, 1-based; null when there is none.</summary>
    private static (int Line, int Column)? TabIndentation(string yaml)
    {
        var lines = yaml.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var indent = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
            var tab = lines[i].IndexOf('\t', 0, indent);
            if (tab >= 0)
            {
                return (i + 1, tab + 1);
            }
        }

        return null;
    }

    /// <summary>
    /// A Serverless Devs template not yet rendered (<c>s init</c> fills its <c>{{ name }}</c> placeholders): one error
    /// naming the placeholders and their lines, instead of what YAML makes of them.
    /// </summary>
    private static void RefuseTemplatePlaceholders(string yaml, string source)
    {
        if (!yaml.Contains("{{", StringComparison.Ordinal))
        {
            return; // every rendered file: no split into lines
        }

        var found = new List<(string Name, int Line)>();
        var lines = yaml.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].TrimStart().StartsWith('#'))
            {
                continue;
            }

            foreach (Match m in Placeholder().Matches(lines[i]))
            {
                found.Add((m.Groups[1].Value, i + 1));
            }
        }

        if (found.Count == 0)
        {
            return;
        }

        var names = string.Join(", ", found.GroupBy(f => f.Name).Select(g => $"{g.Key} (line {string.Join(", ", g.Select(f => f.Line))})"));
        throw new SpecException(new SpecDiagnostic(source, found[0].Line, null, "",
            $"this is a Serverless Devs template whose {{{{ }}}} placeholders are not filled in: {names}. Render it first (`s init` asks for them), or replace each {{{{ name }}}} with its value"));
    }

    [GeneratedRegex(@"\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}")]
    private static partial Regex Placeholder();

    private static YamlMappingNode ReadRoot(string yaml, string source, out bool extraDocuments)
    {
        RefuseTemplatePlaceholders(yaml, source);
        // YAML has no NUL (it is not a printable character); YamlDotNet stops reading there and then fails oddly.
        if (yaml.IndexOf('\0', StringComparison.Ordinal) is var nul and >= 0)
        {
            var before = yaml.AsSpan(0, nul);
            var line = before.Count('\n') + 1;
            var column = nul - (before.LastIndexOf('\n') + 1) + 1;
            throw new SpecException(new SpecDiagnostic(source, line, column, "", "invalid YAML: a NUL character; an s.yaml is text, so remove it"));
        }

        var stream = new YamlStream();
        var scanner = new Scanner(new StringReader(yaml));
        try
        {
            // MergingParser resolves "<<: *anchor" merge keys, which shared-props templates use (it reads the
            // whole file first, and refuses one of more than 100,000 events). The depth limit sits below it, so
            // that a run of "[[[[..." stops at the limit instead of being scanned to its end.
            stream.Load(new MergingParser(new DepthLimitedParser(new Parser(scanner))));
        }
        catch (YamlException ex) when (TabIndentation(yaml) is { } tab && (ex.Message.Contains("tab", StringComparison.OrdinalIgnoreCase)
            || ex.InnerException?.Message.Contains("tab", StringComparison.OrdinalIgnoreCase) == true))
        {
            // YamlDotNet marks where the mapping began, not the tab.
            throw new SpecException(new SpecDiagnostic(source, tab.Line, tab.Column, "", "invalid YAML: a tab in the indentation; YAML indents with spaces only"), ex);
        }
        catch (YamlException ex)
        {
            var (line, column) = SpecInterpolator.At(ex.Start);
            var what = LocationPrefix().Replace(ex.InnerException is YamlException inner ? $"{ex.Message} {inner.Message}" : ex.Message, "");
            throw new SpecException(new SpecDiagnostic(source, line, column, "", $"invalid YAML: {what}"), ex);
        }
        catch (ArgumentException ex) when (ex.ParamName == "parser")
        {
            // YamlDotNet's loader, given an event it does not expect where the parser stopped early.
            var (line, column) = SpecInterpolator.At(scanner.CurrentPosition);
            throw new SpecException(new SpecDiagnostic(source, line, column, "",
                "invalid YAML: the file cannot be read past this point; look for a character YAML does not allow"), ex);
        }
        catch (KeyNotFoundException ex)
        {
            // MergingParser fails this way on "<<: *name" when no "&name" comes before it.
            var anchor = MissingKey().Match(ex.Message) is { Success: true } m ? m.Groups[1].Value : "";
            var at = yaml.IndexOf("*" + anchor, StringComparison.Ordinal);
            int? line = at < 0 ? null : yaml.AsSpan(0, at).Count('\n') + 1;
            throw new SpecException(new SpecDiagnostic(source, line, null, "",
                $"invalid YAML: a <<: merge uses *{anchor}, but no &{anchor} is defined before it; define the anchor above the merge"), ex);
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet's scanner fails this way, without a mark, on some unclosed flow collections
            // ("[a, b" running into the next line); where it stopped is the best place to point at.
            var (line, column) = SpecInterpolator.At(scanner.CurrentPosition);
            throw new SpecException(new SpecDiagnostic(source, line, column, "",
                "invalid YAML: the file cannot be read past this point; look for an unclosed [ or { or quote above"), ex);
        }

        if (stream.Documents.Count == 0)
        {
            throw new SpecException(new SpecDiagnostic(source, null, null, "", "the file is empty"));
        }

        extraDocuments = stream.Documents.Count > 1;
        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            var (line, column) = SpecInterpolator.At(stream.Documents[0].RootNode.Start);
            throw new SpecException(new SpecDiagnostic(source, line, column, "",
                "the top level must be a mapping (edition, name, vars, resources)"));
        }

        return root;
    }

    private static void CheckDistinctNames(List<SYamlResource> resources, SpecProblems problems)
    {
        foreach (var group in resources.Where(r => r.Spec.FunctionName.Length > 0).GroupBy(r => r.Spec.FunctionName).Where(g => g.Count() > 1))
        {
            foreach (var r in group.Skip(1))
            {
                problems.ErrorAtField($"{r.ResourceKey}.props.functionName",
                    $"functionName '{group.Key}' is also used by resource '{group.First().ResourceKey}'; each function needs its own name");
            }
        }
    }

    private static void Error(SpecProblems problems, string field, YamlNode at, string message)
    {
        var (line, column) = SpecInterpolator.At(at.Start);
        problems.Error(field, line, column, message);
    }

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ")]
    private static partial Regex LocationPrefix();

    [GeneratedRegex("'([^']*)'")]
    private static partial Regex MissingKey();
}
