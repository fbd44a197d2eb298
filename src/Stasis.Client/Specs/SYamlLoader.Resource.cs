using YamlDotNet.RepresentationModel;

namespace Stasis.Client.Specs;

public static partial class SYamlLoader
{
    /// <summary>Reads one <c>resources.&lt;key&gt;</c>; null when it is not an fc3 resource (said in <paramref name="skipped"/>) or cannot be read.</summary>
    private static SYamlResource? ReadResource(
        YamlNode keyNode, YamlNode value, SpecInterpolator interpolator, SpecProblems problems, List<string> fileWarnings, List<string> skipped,
        string baseDirectory, bool requireRunnable)
    {
        var (line, column) = SpecInterpolator.At(keyNode.Start);
        if (keyNode is not YamlScalarNode { Value: { Length: > 0 } key })
        {
            problems.Error("resources", line, column, "resource names must be plain names");
            return null;
        }

        problems.Locate(key, line, column);
        if (value is not YamlMappingNode map)
        {
            Error(problems, key, value, "expected a mapping with component and props");
            return null;
        }

        var entries = map.Children
            .Where(c => c.Key is YamlScalarNode { Value: not null })
            .ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => (Key: c.Key, Value: c.Value), StringComparer.Ordinal);
        if (!entries.TryGetValue("component", out var componentEntry) || componentEntry.Value is not YamlScalarNode { Value: { Length: > 0 } component })
        {
            Error(problems, $"{key}.component", componentEntry.Value ?? keyNode, "component is required (fc3)");
            return null;
        }

        if (!IsFc3(component))
        {
            if (LocalComponent(component, interpolator) is not { } local)
            {
                var skip = $"resources.{key} (line {line}) uses component '{component}', which Stasis does not deploy; skipped";
                fileWarnings.Add(skip);
                skipped.Add(skip);
                return null;
            }

            fileWarnings.Add($"resources.{key} (line {line}): component {component} is {local}; its props are read as fc3's");
        }

        var warnings = new List<string>();
        foreach (var (name, entry) in entries.Where(e => e.Key is not ("component" or "props")))
        {
            warnings.Add($"{key}.{name} (line {SpecInterpolator.At(entry.Key.Start).Line}) is ignored by Stasis");
        }

        var propsField = $"{key}.props";
        if (!entries.TryGetValue("props", out var propsEntry))
        {
            problems.Error(propsField, line, column, "props is required: the function's FC props (functionName, customContainerConfig, ...)");
            return null;
        }

        var (propsLine, propsColumn) = SpecInterpolator.At(propsEntry.Key.Start);
        problems.Locate(propsField, propsLine, propsColumn);
        if (interpolator.Resolve(propsEntry.Value, propsField, warnings) is not SpecMap props)
        {
            Error(problems, propsField, propsEntry.Value, "expected a mapping of FC props");
            return null;
        }

        if (props.Entries.Count == 0)
        {
            problems.Error(propsField, propsLine, propsColumn, "props is empty: an fc3 function needs at least functionName and what it runs (customContainerConfig.image, or code with a custom runtime)");
            return null;
        }

        if (props.Find("layerName") is not null && props.Find("functionName") is null && props.Find("function") is null)
        {
            var skip = $"resources.{key} (line {line}) is a layer (layerName), which Stasis does not deploy: its functions' layers are not mounted either; skipped";
            fileWarnings.Add(skip);
            skipped.Add(skip);
            return null;
        }

        if (props.Find("function") is { Value: SpecMap nested } function && props.Find("functionName") is null)
        {
            // The fc3 component also takes a function's props one level down, under props.function.
            warnings.Add($"{propsField}.function (line {function.Line}) was read as the function's props (the fc3 component's nested form)");
            props = props with { Entries = [.. props.Entries.Where(e => e.Key != "function" && nested.Find(e.Key) is null), .. nested.Entries] };
        }

        var spec = new FunctionPropsMapper(problems, warnings, baseDirectory).Map(props, propsField);

        // A field already reported as unreadable would reappear here as "missing" or "out of range"; say it once.
        var invalid = FunctionSpecValidator.Validate(spec, requireRunnable)
            .Select(e => (Field: $"{propsField}.{e.Field}", Error: e))
            .Where(e => !problems.HasErrorAt(e.Field))
            .ToList();
        foreach (var (field, error) in invalid)
        {
            problems.ErrorAtField(field, error.Message, error.Kind, error.Subject);
        }

        return new SYamlResource(key, component, spec, warnings, line);
    }

    /// <summary>
    /// A component given as a local checkout, as the fc3 component's own examples do:
    /// <c>${path('../')}</c>, or <c>${env('fc_component_version', path('../../'))}</c> with the variable unset (set, its
    /// value is the component). What it is, for the warning; null when it is not such an expression or names another component.
    /// </summary>
    private static string? LocalComponent(string component, SpecInterpolator interpolator)
    {
        if (component.Trim() is var bare && (bare.StartsWith("./", StringComparison.Ordinal) || bare.StartsWith("../", StringComparison.Ordinal) || bare is "." or ".."))
        {
            return "a local checkout of a component (a path)";
        }

        var match = LocalComponentExpression().Match(component.Trim());
        if (!match.Success)
        {
            return null;
        }

        if (match.Groups["var"].Success && interpolator.Env(match.Groups["var"].Value) is { Length: > 0 } chosen)
        {
            return IsFc3(chosen) ? $"{chosen} (${{{match.Groups["var"].Value}}})" : null;
        }

        return "a local checkout of a component (path())";
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^\$\{\s*(?:env\(\s*['""](?<var>[A-Za-z_][A-Za-z0-9_]*)['""]\s*,\s*)?path\(\s*['""][^'""]*['""]\s*\)\s*\)?\s*\}$")]
    private static partial System.Text.RegularExpressions.Regex LocalComponentExpression();

    /// <summary>Serverless Devs names the component <c>fc3</c>, <c>fc3@dev</c>, <c>fc3@0.1.2</c> or <c>devsapp/fc3</c>.</summary>
    private static bool IsFc3(string component)
    {
        var name = component.Split('@')[0];
        if (name.StartsWith("devsapp/", StringComparison.OrdinalIgnoreCase))
        {
            name = name["devsapp/".Length..];
        }

        return string.Equals(name, "fc3", StringComparison.OrdinalIgnoreCase);
    }
}
