using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Stasis.Client.Specs;

/// <summary>
/// Turns YamlDotNet nodes into <see cref="SpecNode"/>s, resolving Serverless Devs' <c>${...}</c> in every
/// string scalar: <c>${vars.a.b}</c>, <c>${env('X')}</c>, <c>${env('X', 'default')}</c>, <c>${env(X)}</c> and
/// <c>${env.X}</c>. A scalar that is exactly one <c>${vars...}</c> becomes the variable's node itself, so a
/// number stays a number and a mapping stays a mapping. Expressions Serverless Devs knows but Stasis
/// cannot answer (<c>${config('AccountID')}</c>, <c>${resources...}</c>) are kept as written with a warning:
/// they usually sit in props Stasis does not use (<c>role</c>, <c>vpcConfig</c>), and refusing them would
/// refuse most real files.
/// </summary>
internal sealed partial class SpecInterpolator(YamlMappingNode? vars, Func<string, string?> env, SpecProblems problems)
{
    private readonly Dictionary<string, ResolvedVar> resolvedVars = new(StringComparer.Ordinal);
    private readonly HashSet<string> resolving = new(StringComparer.Ordinal);

    // Bounds (SpecLimits): values produced so far, with aliases and variables expanded; the depth of the
    // value being resolved, ${vars} included; the deepest depth reached while a variable resolves; the
    // characters of text that ${...} built.
    private int nodes;
    private int depth;
    private int deepest;
    private long interpolatedText;

    /// <summary>The environment variable <paramref name="name"/>, as <c>${env()}</c> reads it.</summary>
    public string? Env(string name) => env(name);

    public SpecNode Resolve(YamlNode node, string field, List<string> warnings)
    {
        var (line, column) = At(node.Start);
        depth++;
        try
        {
            Count(1, 0, field, line, column);
            return ResolveNode(node, field, line, column, warnings);
        }
        finally
        {
            depth--;
        }
    }

    private SpecNode ResolveNode(YamlNode node, string field, int line, int column, List<string> warnings)
    {
        switch (node)
        {
            case YamlScalarNode scalar:
                return ResolveScalar(scalar, field, warnings);
            case YamlSequenceNode seq:
                return new SpecSeq(
                    seq.Children.Select((item, i) => Resolve(item, $"{field}[{i}]", warnings)).ToList(), line, column);
            case YamlMappingNode map:
                var entries = new List<SpecEntry>(map.Children.Count);
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var (key, value) in map.Children)
                {
                    var (keyLine, keyColumn) = At(key.Start);
                    if (key is not YamlScalarNode { Value: { } name })
                    {
                        problems.Error(field, keyLine, keyColumn, "mapping keys must be plain names");
                        continue;
                    }

                    // YAML sees "a" and a tagged or quoted a as two keys; as props they are one, given twice.
                    if (!names.Add(name))
                    {
                        problems.Error(field.Length == 0 ? name : $"{field}.{name}", keyLine, keyColumn, $"'{name}' is given twice in this mapping; keep one");
                        continue;
                    }

                    var child = field.Length == 0 ? name : $"{field}.{name}";
                    entries.Add(new SpecEntry(name, keyLine, keyColumn, Resolve(value, child, warnings)));
                }

                return new SpecMap(entries, line, column);
            default:
                problems.Error(field, line, column, $"unexpected YAML node {node.NodeType}");
                return new SpecInvalid(line, column);
        }
    }

    public static (int Line, int Column) At(Mark mark) => (checked((int)mark.Line), checked((int)mark.Column));

    private SpecNode ResolveScalar(YamlScalarNode scalar, string field, List<string> warnings)
    {
        var (line, column) = At(scalar.Start);
        var text = scalar.Value ?? "";
        var plain = scalar.Style is ScalarStyle.Plain or ScalarStyle.Any;
        var matches = Expression().Matches(text);
        if (matches.Count == 0)
        {
            return new SpecScalar(plain && IsNullWord(text) ? null : text, plain, line, column);
        }

        if (matches.Count == 1 && matches[0].Length == text.Length)
        {
            return Evaluate(matches[0], field, line, column, warnings);
        }

        var result = new StringBuilder();
        var last = 0;
        foreach (Match m in matches)
        {
            result.Append(text, last, m.Index - last);
            switch (Evaluate(m, field, line, column, warnings))
            {
                case SpecScalar s:
                    result.Append(s.Value);
                    break;
                case SpecInvalid invalid:
                    return invalid;
                case var other:
                    problems.Error(field, line, column, $"{m.Value} is {other.Describe()} and cannot be part of a string");
                    return new SpecInvalid(line, column);
            }

            last = m.Index + m.Length;
        }

        result.Append(text, last, text.Length - last);
        // Each ${...} may stand for a text built the same way, so a few lines could double a text many times over.
        interpolatedText += result.Length;
        if (interpolatedText > SpecLimits.MaxInterpolatedText)
        {
            throw Limit(field, line, column,
                $"the file's ${{...}} expand to more than {SpecLimits.MaxInterpolatedText} characters of text; look for variables built from variables");
        }

        return new SpecScalar(result.ToString(), Plain: false, line, column);
    }

    private SpecNode Evaluate(Match m, string field, int line, int column, List<string> warnings)
    {
        var inner = m.Groups[1].Value.Trim();
        if (inner.StartsWith("vars.", StringComparison.Ordinal))
        {
            return LookupVar(inner["vars.".Length..], m.Value, field, line, column, warnings);
        }

        var call = EnvCall().Match(inner);
        var dotted = EnvDotted().Match(inner);
        if (call.Success || dotted.Success)
        {
            var name = call.Success ? call.Groups["name"].Value : dotted.Groups["name"].Value;
            var fallback = call.Success && call.Groups["default"].Success ? call.Groups["default"].Value : null;
            var value = env(name) ?? fallback;
            if (value is null)
            {
                problems.Error(field, line, column,
                    $"environment variable '{name}' is not set and {m.Value} gives no default; "
                    + $"set it or write ${{env('{name}', 'default')}}", SpecErrorKinds.UnsetVariable, name);
                return new SpecInvalid(line, column);
            }

            if (LooksLikeCredential(name, value))
            {
                warnings.Add($"{field} (line {line}) takes {m.Value}, which holds a Stasis access key: whoever can read the function's spec or its environment gets that key; give the function a key of its own scope instead");
            }

            return new SpecScalar(value, Plain: false, line, column);
        }

        if (UnknownRoot().Match(inner) is { Success: true } root && !KnownRoots.Contains(root.Groups[1].Value))
        {
            // Not Serverless Devs' either: the literal would be deployed as a name, a number, an image.
            problems.Error(field, line, column,
                $"{m.Value} names '{root.Groups[1].Value}', which Serverless Devs does not define (it has vars, env(), resources, this, config()...): put the value under vars: and write ${{vars.…}}",
                SpecErrorKinds.UnknownNamespace, m.Value);
            return new SpecInvalid(line, column);
        }

        warnings.Add($"{field} (line {line}) uses {m.Value}, which Stasis does not resolve; it was kept as written");
        return new SpecScalar(m.Value, Plain: false, line, column);
    }

    /// <summary>The names a Serverless Devs expression may start with (its variables, outputs and functions).</summary>
    private static readonly HashSet<string> KnownRoots = new(StringComparer.Ordinal)
    {
        "vars", "env", "resources", "this", "config", "credential", "path", "file", "json", "yaml", "access", "name", "props", "output",
    };

    [System.Text.RegularExpressions.GeneratedRegex(@"^([A-Za-z_][A-Za-z0-9_]*)\.[A-Za-z_]")]
    private static partial System.Text.RegularExpressions.Regex UnknownRoot();

    // STASIS_ACCESS_KEY / STASIS_ADMIN_KEY, or a value of a token's shape: AK + 20 id characters, '.', a secret.
    private static bool LooksLikeCredential(string name, string value) =>
        name is "STASIS_ACCESS_KEY" or "STASIS_ADMIN_KEY" || TokenShape().IsMatch(value);

    [System.Text.RegularExpressions.GeneratedRegex(@"^AK[0-9A-Z]{20}\.[A-Za-z0-9_-]{20,}$")]
    private static partial System.Text.RegularExpressions.Regex TokenShape();

    private SpecNode LookupVar(string path, string expression, string field, int line, int column, List<string> warnings)
    {
        var key = "vars." + path;
        if (!resolvedVars.TryGetValue(key, out var resolved))
        {
            if (Find(path) is not { } node)
            {
                problems.Error(field, line, column, $"unknown variable {expression}: {DefinedVars()}");
                return new SpecInvalid(line, column);
            }

            if (!resolving.Add(key))
            {
                problems.Error(field, line, column, $"variable {key} refers to itself");
                return new SpecInvalid(line, column);
            }

            var (nodesBefore, deepestBefore) = (nodes, deepest);
            deepest = depth;
            var value = Resolve(node, key, warnings);
            resolving.Remove(key);
            resolved = new ResolvedVar(value, nodes - nodesBefore, deepest - depth);
            deepest = Math.Max(deepestBefore, deepest);
            resolvedVars[key] = resolved;
        }
        else
        {
            // Used again: its values count again, as they will be copied wherever it is used.
            Count(resolved.Size, resolved.Height, field, line, column);
        }

        // A scalar takes the place it is used at, so a type error later points at the use, not the definition.
        return resolved.Node is SpecScalar s ? s with { Line = line, Column = column } : resolved.Node;
    }

    /// <summary>
    /// Counts <paramref name="size"/> values, <paramref name="height"/> levels high, placed at the current depth;
    /// throws when the file nests or expands past <see cref="SpecLimits"/>. Example: <c>a: &amp;a [x, x]</c>,
    /// <c>b: &amp;b [*a, *a]</c>, <c>c: [*b, *b]</c> counts 2 + 6 + 14 values, doubling with each level added.
    /// </summary>
    private void Count(int size, int height, string field, int line, int column)
    {
        nodes += size;
        deepest = Math.Max(deepest, depth + height);
        if (depth + height > SpecLimits.MaxDepth)
        {
            throw Limit(field, line, column,
                $"the value nests more than {SpecLimits.MaxDepth} levels deep, counting the aliases and ${{vars}} it goes through (an alias inside its own anchor never ends); an s.yaml needs a few");
        }

        if (nodes > SpecLimits.MaxNodes)
        {
            throw Limit(field, line, column,
                $"the file expands to more than {SpecLimits.MaxNodes} values through anchors, aliases and ${{vars}}; an s.yaml holds a few hundred, so look for aliases of aliases");
        }
    }

    private SpecException Limit(string field, int line, int column, string message) =>
        new(new SpecDiagnostic(problems.Source, line, column, field, message));

    /// <summary>A variable's resolved value, with how many values it holds and how many levels high it is.</summary>
    private sealed record ResolvedVar(SpecNode Node, int Size, int Height);

    private YamlNode? Find(string path)
    {
        YamlNode? node = vars;
        foreach (var segment in path.Split('.'))
        {
            node = node switch
            {
                YamlMappingNode map => map.Children.FirstOrDefault(c => c.Key is YamlScalarNode k && k.Value == segment).Value,
                YamlSequenceNode seq when int.TryParse(segment, out var i) && i >= 0 && i < seq.Children.Count => seq.Children[i],
                _ => null,
            };
        }

        return node;
    }

    private string DefinedVars() => vars is null || vars.Children.Count == 0
        ? "the file defines no vars"
        : "vars defines " + string.Join(", ", vars.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value));

    private static bool IsNullWord(string text) => text is "" or "~" or "null" or "Null" or "NULL";

    [GeneratedRegex(@"\$\{([^{}]*)\}")]
    private static partial Regex Expression();

    [GeneratedRegex(@"^env\(\s*(?<q>['""]?)(?<name>[A-Za-z_][A-Za-z0-9_]*)\k<q>\s*(?:,\s*(?:'(?<default>[^']*)'|""(?<default>[^""]*)""|(?<default>[^'"",)]*?))\s*)?\)$")]
    private static partial Regex EnvCall();

    [GeneratedRegex(@"^env\.(?<name>[A-Za-z_][A-Za-z0-9_]*)$")]
    private static partial Regex EnvDotted();
}
