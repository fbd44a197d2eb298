using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Stasis.Fuzzing;

/// <summary>What an edit does at the place it lands on.</summary>
public enum JsonEditKind
{
    /// <summary>The value is replaced (the root too).</summary>
    Replace,

    /// <summary>The member or element is removed (the root: nothing is left).</summary>
    Remove,

    /// <summary>A member named from <see cref="FuzzValues.FieldNames"/> is set on the nearest object.</summary>
    AddField,

    /// <summary>A member's name changes case or loses its last letter.</summary>
    RenameField,

    /// <summary>The value is wrapped in an array.</summary>
    Wrap,

    /// <summary>An element is repeated; a member is repeated under its upper-case name.</summary>
    Duplicate,
}

/// <summary>
/// One change to a JSON document. <see cref="Place"/> picks a value in document order (the root is 0), modulo
/// the number of values, so every edit lands somewhere whatever the edits before it did.
/// </summary>
public sealed record JsonEdit(JsonEditKind Kind, int Place, FuzzValue Value, int Name);

/// <summary>Damage done to the body's bytes after the edits.</summary>
public enum DamageKind
{
    None,
    /// <summary>Cut at <see cref="BodyDamage.At"/> per mille of its length.</summary>
    Truncate,
    /// <summary>A byte sequence that is not UTF-8 inserted at <see cref="BodyDamage.At"/>.</summary>
    InvalidUtf8,
    /// <summary>One bit of one byte flipped.</summary>
    FlipBit,
    /// <summary>No bytes at all.</summary>
    Empty,
    /// <summary>Replaced by a text that is not one JSON value.</summary>
    NotJson,
    /// <summary>Encoded as UTF-16 instead of UTF-8.</summary>
    Utf16,
    /// <summary>Prefixed with a UTF-8 byte order mark.</summary>
    Bom,
}

/// <summary>How the bytes of a body are damaged: which way, where (per mille of the length) and with what.</summary>
public sealed record BodyDamage(DamageKind Kind, int At, int Variant)
{
    public static readonly BodyDamage None = new(DamageKind.None, 0, 0);

    private static readonly byte[][] NotUtf8 = [[0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0xFE, 0xFF], [0xF8, 0x88, 0x80, 0x80, 0x80]];

    private static readonly string[] NotJsonTexts =
    [
        "edition: 3.0.0\nresources: {}", "functionName=fuzz-put&timeout=3", "<spec/>", "\0\0", "{", "}", "[", "]", "nul", "tru", "1 2", "{}{}", "{} []",
        "// comment\n{}", "/* c */{}", "{\"a\":1,}", "[1,]", "{'a':1}", "{a:1}", "NaN", "Infinity", "-", "\"", "\"\\", "\"\\u12\"", "{\"a\"}", "{\"a\":}",
    ];

    public byte[] Apply(byte[] body)
    {
        var at = body.Length * Math.Clamp(At, 0, 1000) / 1000;
        return Kind switch
        {
            DamageKind.Truncate => body[..at],
            DamageKind.InvalidUtf8 => [.. body[..at], .. NotUtf8[Variant % NotUtf8.Length], .. body[at..]],
            DamageKind.FlipBit when body.Length > 0 => Flip(body, Math.Min(at, body.Length - 1), Variant % 8),
            DamageKind.Empty => [],
            DamageKind.NotJson => Encoding.UTF8.GetBytes(NotJsonTexts[Variant % NotJsonTexts.Length]),
            DamageKind.Utf16 => [.. (Variant % 2 == 0 ? Encoding.Unicode.GetPreamble() : []), .. Encoding.Unicode.GetBytes(Encoding.UTF8.GetString(body))],
            DamageKind.Bom => [0xEF, 0xBB, 0xBF, .. body],
            _ => body,
        };
    }

    public override string ToString() => Kind switch
    {
        DamageKind.None => "none",
        DamageKind.Truncate => $"cut at {At / 10.0}%",
        DamageKind.InvalidUtf8 => $"bytes {Convert.ToHexString(NotUtf8[Variant % NotUtf8.Length])} inserted at {At / 10.0}%",
        DamageKind.FlipBit => $"bit {Variant % 8} flipped at {At / 10.0}%",
        DamageKind.NotJson => $"replaced by {JsonSerializer.Serialize(NotJsonTexts[Variant % NotJsonTexts.Length])}",
        _ => Kind.ToString(),
    };

    private static byte[] Flip(byte[] body, int at, int bit)
    {
        var copy = (byte[])body.Clone();
        copy[at] ^= (byte)(1 << bit);
        return copy;
    }
}

/// <summary>
/// A valid JSON document (<see cref="Name"/>, <see cref="Base"/>) changed by a list of edits and then, perhaps,
/// damaged byte-wise. Prints as the edits and a preview of the body it makes, so a failing case reads well
/// after FsCheck shrank it.
/// </summary>
public sealed record JsonCase(string Name, string Base, IReadOnlyList<JsonEdit> Edits, BodyDamage Damage)
{
    private string? _text;

    /// <summary>The document after the edits, before any damage; empty when the root was removed.</summary>
    public string Text => _text ??= JsonEditor.Apply(Base, Edits);

    public byte[] Body => Damage.Apply(Encoding.UTF8.GetBytes(Text));

    /// <summary>The body as a JSON node, for targets that take parsed JSON; null when it does not parse.</summary>
    public JsonNode? TryParse()
    {
        try
        {
            return JsonNode.Parse(Body, documentOptions: new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public override string ToString()
    {
        var edits = Edits.Count == 0 ? "no edits" : string.Join("; ", Edits.Select(JsonEditor.Describe));
        return $"{Name} with {edits}; damage: {Damage}; body ({Body.Length} bytes): {Preview(Body)}";
    }

    /// <summary>Simpler cases: undamaged, one edit fewer, or one edit with a simpler value.</summary>
    public IEnumerable<JsonCase> Shrink()
    {
        if (Damage.Kind != DamageKind.None)
        {
            yield return this with { Damage = BodyDamage.None, _text = null };
        }

        for (var i = 0; i < Edits.Count; i++)
        {
            yield return this with { Edits = [.. Edits.Take(i), .. Edits.Skip(i + 1)], _text = null };
        }

        for (var i = 0; i < Edits.Count; i++)
        {
            foreach (var value in Edits[i].Value.Shrink())
            {
                yield return this with { Edits = [.. Edits.Take(i), Edits[i] with { Value = value }, .. Edits.Skip(i + 1)], _text = null };
            }
        }
    }

    /// <summary>At most 400 characters of a body, non-printable bytes as \xNN.</summary>
    public static string Preview(byte[] body)
    {
        var text = new StringBuilder();
        foreach (var b in body.Take(400))
        {
            text.Append(b is >= 0x20 and < 0x7F ? ((char)b).ToString() : $"\\x{b:X2}");
        }

        return body.Length > 400 ? text.Append($"… (+{body.Length - 400} bytes)").ToString() : text.ToString();
    }
}
