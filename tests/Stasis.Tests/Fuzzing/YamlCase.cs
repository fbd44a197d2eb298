using System.Text;

namespace Stasis.Tests.Fuzzing;

/// <summary>What an edit does to an s.yaml's text.</summary>
public enum YamlEditKind
{
    DeleteLine,
    DuplicateLine,
    SwapLines,
    /// <summary>The line moves left or right by <see cref="YamlEdit.Size"/> − 4 spaces, or gets a tab (0).</summary>
    Indent,
    /// <summary>The text after the line's <c>: </c> (or <c>- </c>) becomes a value of <see cref="YamlCase.Values"/>.</summary>
    ReplaceValue,
    /// <summary>A character of <see cref="YamlCase.Characters"/> is put at <see cref="YamlEdit.Line"/> modulo 1001, per mille of the text.</summary>
    InsertCharacter,
    /// <summary>The text is cut at <see cref="YamlEdit.Line"/> modulo 1001, per mille of its length.</summary>
    Truncate,
    /// <summary>A generated block of <see cref="YamlEdit.Size"/> (bombs, nesting, chains, bulk) goes in; see <see cref="YamlCase.Blocks"/>.</summary>
    Block,
}

/// <summary>One change to an s.yaml: where (<see cref="Line"/>, modulo the lines), what, and how big.</summary>
public sealed record YamlEdit(YamlEditKind Kind, int Line, int Variant, int Size);

/// <summary>
/// A valid s.yaml (<see cref="Name"/>) changed by edits, read with or without the check that each function can
/// be started. The edits stay small when printed: a block is named with its size, not written out.
/// </summary>
public sealed record YamlCase(string Name, string Base, IReadOnlyList<YamlEdit> Edits, bool RequireRunnable)
{
    /// <summary>Values a field may get: every YAML type and tag, broken quoting, flow syntax, and ${...} of every kind.</summary>
    public static readonly string[] Values =
    [
        "[a, b]", "{a: 1}", "-1", "0", "0x10", "0o17", "99999999999999999999", "2147483648", "-2147483649", "1e400", "-.inf", ".nan", "1_000", "+1", ".5", "3.5",
        "~", "null", "\"\"", "''", "true", "yes", "on", "\"8\"", "\"${vars.x}\"", "${env(X)}", "${env('NOPE')}", "${env(\"A\", \"b\")}", "${env(A, b)}", "${env(NOPE, )}",
        "${env.}", "${env.HOME}", "${vars.region}", "${vars.nested.list.99}", "${vars.nested.list.-1}", "${vars.nested}", "${vars}", "${vars.}", "${vars..x}", "${}",
        "${{}}", "${env(}", "${vars.region}${vars.nested}", "${vars.region}-${env(HOME)}", "${config('AccountID')}", "${resources.x.output}", "$${vars.region}",
        "${vars.methods}", "*undefined", "*shared", "&anchor value", "&a [*a]", "!!binary abc", "!!int abc", "!!float x", "!!map [a]", "!!str 1", "!custom tag", "!<x> y",
        "|", ">-", "|\n  a\n b", "\"unterminated", "'unterminated", "[unterminated", "{a: ", "? complex", "- item", "%YAML 1.1", "---", "...", "@reserved", "`x`",
        "\"\\0\"", "\"\\ud800\"", "\"\\x\"", "\"\\U0010FFFF\"", "\"\\U00110000\"", "\"\\xff\"", "\t", "a: b: c", "[&a x, *a]", "{<<: *shared}", "<<", ":", "#comment",
        "[a, [b, [c, [d]]]]", "{? a : b}", "[a, b]: c", "/", "C:\\\\x", "\u00e9\u4e2d\ud83d\ude00", "\u202e", "\ufeff",
    ];

    /// <summary>Characters put anywhere: control characters, YAML indicators, a lone surrogate, a byte order mark.</summary>
    public static readonly string[] Characters = ["\0", "\u0001", "\u0007", "\u001b", "\u007f", "\u0080", "\t", "\r", "\n", "\u0085", "\u2028", "\ufeff", "\ud800", "\uffff", ":", "-", "#", "&", "*", "!", "|", ">", "'", "\"", "%", "@", "`", "{", "[", "]", "}", ",", "?", "$", "\\"];

    /// <summary>The blocks, by <see cref="YamlEdit.Variant"/>: each takes <see cref="YamlEdit.Size"/> (levels, depth, length or count).</summary>
    public static readonly string[] Blocks = ["alias bomb", "merge bomb", "vars bomb", "string doubling", "var chain", "deep flow", "deep block", "long scalar", "many resources", "many variables", "self alias"];

    /// <summary>The largest size of each block: the text stays within about 1 MB, the expansions do not (9^12 values, 2^40 characters).</summary>
    public static readonly int[] BlockMaxSizes = [12, 25, 12, 40, 20_000, 100_000, 1000, 1000, 3000, 1000, 1];

    private string? _text;

    public string Text => _text ??= Apply();

    public override string ToString()
    {
        var edits = Edits.Count == 0 ? "no edits" : string.Join("; ", Edits.Select(Describe));
        var preview = Text.Length > 600 ? Text[..600] + $"… (+{Text.Length - 600} chars)" : Text;
        return $"{Name} with {edits}{(RequireRunnable ? "" : " (settings only)")}; text:\n{preview}";
    }

    /// <summary>Simpler cases: one edit fewer, or a smaller block.</summary>
    public IEnumerable<YamlCase> Shrink()
    {
        for (var i = 0; i < Edits.Count; i++)
        {
            yield return this with { Edits = [.. Edits.Take(i), .. Edits.Skip(i + 1)], _text = null };
        }

        for (var i = 0; i < Edits.Count; i++)
        {
            if (Edits[i].Kind == YamlEditKind.Block && Edits[i].Size > 1)
            {
                yield return this with { Edits = [.. Edits.Take(i), Edits[i] with { Size = Edits[i].Size / 2 }, .. Edits.Skip(i + 1)], _text = null };
            }
        }
    }

    private static string Describe(YamlEdit e) => e.Kind switch
    {
        YamlEditKind.ReplaceValue => $"line #{e.Line} value {System.Text.Json.JsonSerializer.Serialize(Values[e.Variant % Values.Length])}",
        YamlEditKind.InsertCharacter => $"{System.Text.Json.JsonSerializer.Serialize(Characters[e.Variant % Characters.Length])} at {e.Line % 1001 / 10.0}%",
        YamlEditKind.Truncate => $"cut at {e.Line % 1001 / 10.0}%",
        YamlEditKind.Indent => $"line #{e.Line} indent {(e.Size % 9 == 4 ? "tab" : (e.Size % 9 - 4).ToString("+0;-0", System.Globalization.CultureInfo.InvariantCulture))}",
        YamlEditKind.Block => $"{Blocks[e.Variant % Blocks.Length]} of {e.Size}",
        _ => $"{e.Kind} line #{e.Line}",
    };

    private string Apply()
    {
        var lines = Base.Split('\n').ToList();
        foreach (var edit in Edits)
        {
            var i = lines.Count == 0 ? 0 : edit.Line % lines.Count;
            switch (edit.Kind)
            {
                case YamlEditKind.DeleteLine when lines.Count > 0:
                    lines.RemoveAt(i);
                    break;
                case YamlEditKind.DuplicateLine when lines.Count > 0:
                    lines.Insert(i, lines[i]);
                    break;
                case YamlEditKind.SwapLines when lines.Count > 1:
                    var j = (i + 1) % lines.Count;
                    (lines[i], lines[j]) = (lines[j], lines[i]);
                    break;
                case YamlEditKind.Indent when lines.Count > 0:
                    var delta = edit.Size % 9 - 4;
                    lines[i] = delta == 0 ? "\t" + lines[i] : delta > 0 ? new string(' ', delta) + lines[i] : lines[i][Math.Min(-delta, lines[i].Length - lines[i].TrimStart(' ').Length)..];
                    break;
                case YamlEditKind.ReplaceValue when lines.Count > 0:
                    lines[i] = WithValue(lines[i], Values[edit.Variant % Values.Length]);
                    break;
                case YamlEditKind.InsertCharacter:
                    lines = Splice(lines, text => text.Insert(text.Length * (edit.Line % 1001) / 1000, Characters[edit.Variant % Characters.Length]));
                    break;
                case YamlEditKind.Truncate:
                    lines = Splice(lines, text => text[..(text.Length * (edit.Line % 1001) / 1000)]);
                    break;
                case YamlEditKind.Block:
                    lines = Splice(lines, text => YamlBlocks.Insert(text, edit.Variant % Blocks.Length, edit.Size));
                    break;
            }
        }

        return string.Join('\n', lines);
    }

    private static List<string> Splice(List<string> lines, Func<string, string> change) => change(string.Join('\n', lines)).Split('\n').ToList();

    /// <summary>"  timeout: 60" → "  timeout: VALUE"; "  - GET" → "  - VALUE"; a line with neither gets ": VALUE".</summary>
    private static string WithValue(string line, string value)
    {
        var colon = line.IndexOf(": ", StringComparison.Ordinal);
        if (colon >= 0)
        {
            return line[..(colon + 2)] + value;
        }

        var dash = line.IndexOf("- ", StringComparison.Ordinal);
        return dash >= 0 && line[..dash].Trim().Length == 0 ? line[..(dash + 2)] + value : line + ": " + value;
    }
}

/// <summary>Generated blocks: what a hostile or broken s.yaml of bounded size can hold.</summary>
internal static class YamlBlocks
{
    /// <summary>Puts block <paramref name="kind"/> of <paramref name="size"/> into <paramref name="text"/>: under <c>vars:</c>, into a prop, or at the end.</summary>
    public static string Insert(string text, int kind, int size)
    {
        var b = new StringBuilder();
        switch (kind)
        {
            case 0: // alias bomb: each level lists the previous one 9 times, inside a prop's value
                b.Append("[&l0 [x, x, x, x, x, x, x, x, x]");
                for (var level = 1; level <= size; level++)
                {
                    b.Append($", &l{level} [").AppendJoin(", ", Enumerable.Repeat($"*l{level - 1}", 9)).Append(']');
                }

                return Prop(text, "description", b.Append(']').ToString());
            case 1: // merge bomb: each level merges the previous one and lists it twice
                b.Append("  m0: &m0 {a: 1, b: [x, y]}\n");
                for (var level = 1; level <= size; level++)
                {
                    b.Append($"  m{level}: &m{level} {{<<: *m{level - 1}, k{level}: [*m{level - 1}, *m{level - 1}]}}\n");
                }

                return Vars(text, b.ToString());
            case 2: // the same through ${vars}: no alias at all
                b.Append("  v0: [x, x, x, x, x, x, x, x, x]\n");
                for (var level = 1; level <= size; level++)
                {
                    b.Append($"  v{level}: [").AppendJoin(", ", Enumerable.Repeat($"\"${{vars.v{level - 1}}}\"", 9)).Append("]\n");
                }

                return Prop(Vars(text, b.ToString()), "description", $"${{vars.v{size}}}");
            case 3: // a text that doubles with each level
                b.Append("  s0: abcdefghijklmnop\n");
                for (var level = 1; level <= size; level++)
                {
                    b.Append($"  s{level}: \"${{vars.s{level - 1}}}${{vars.s{level - 1}}}\"\n");
                }

                return Prop(Vars(text, b.ToString()), "description", $"${{vars.s{size}}}");
            case 4: // a chain of variables, each the next
                for (var i = 0; i < size; i++)
                {
                    b.Append($"  c{i}: ${{vars.c{i + 1}}}\n");
                }

                return Prop(Vars(text, b.Append($"  c{size}: end\n").ToString()), "description", "${vars.c0}");
            case 5: // [[[[...]]]]
                return Prop(text, "logConfig", new string('[', size) + new string(']', size));
            case 6: // a mapping in a mapping, by indentation
                b.Append('\n');
                for (var i = 0; i < size; i++)
                {
                    b.Append(' ', 8 + i).Append("a:\n");
                }

                return Prop(text, "logConfig", b.ToString().TrimEnd('\n'));
            case 7:
                return Prop(text, "description", new string('d', size * 997));
            case 8: // many resources at the end (resources is the last key of each base)
                for (var i = 0; i < size; i++)
                {
                    b.Append($"\n  bulk{i}:\n    component: fc3\n    props:\n      functionName: bulk{i}\n      code: ./\n      customContainerConfig:\n        command: [python3, app.py]");
                }

                return text + b;
            case 9:
                for (var i = 0; i < size * 37; i++)
                {
                    b.Append($"  many{i}: value {i}\n");
                }

                return Vars(text, b.ToString());
            default: // an alias inside its own anchor
                return Prop(text, "description", "&self [a, *self]");
        }
    }

    private static string Vars(string text, string block)
    {
        var at = text.IndexOf("vars:\n", StringComparison.Ordinal);
        return at < 0 ? "vars:\n" + block + text : text.Insert(at + "vars:\n".Length, block);
    }

    /// <summary>The first <c>NAME:</c> prop gets <paramref name="value"/>; without one, the first functionName's line is followed by it.</summary>
    private static string Prop(string text, string name, string value)
    {
        var lines = text.Split('\n').ToList();
        var i = lines.FindIndex(l => l.TrimStart().StartsWith(name + ":", StringComparison.Ordinal));
        if (i >= 0)
        {
            var indent = lines[i].Length - lines[i].TrimStart().Length;
            lines[i] = new string(' ', indent) + name + ": " + value;
            return string.Join('\n', lines);
        }

        var f = lines.FindIndex(l => l.TrimStart().StartsWith("functionName:", StringComparison.Ordinal));
        if (f < 0)
        {
            return text + $"\n{name}: {value}";
        }

        lines.Insert(f + 1, new string(' ', lines[f].Length - lines[f].TrimStart().Length) + name + ": " + value);
        return string.Join('\n', lines);
    }
}
