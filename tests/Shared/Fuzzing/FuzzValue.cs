using System.Text;

namespace Stasis.Fuzzing;

/// <summary>The shapes a generated JSON value takes.</summary>
public enum FuzzValueKind
{
    /// <summary>One of <see cref="FuzzValues.Generic"/>.</summary>
    Generic,

    /// <summary>One of the pool of the field the value lands in (<see cref="FuzzValues.For"/>), else a generic one.</summary>
    Field,

    /// <summary>A string of <see cref="FuzzValue.Size"/> repetitions of a filler.</summary>
    LongString,

    /// <summary><c>[[[…]]]</c>, <see cref="FuzzValue.Size"/> deep.</summary>
    DeepArray,

    /// <summary><c>{"a":{"a":…}}</c>, <see cref="FuzzValue.Size"/> deep.</summary>
    DeepObject,

    /// <summary>An array of <see cref="FuzzValue.Size"/> elements.</summary>
    ManyItems,
}

/// <summary>
/// A value to put into a JSON document, described rather than stored so that it prints short and
/// shrinks: a long string shrinks to shorter ones, a deep nesting to shallower ones, a pooled value to the first of its pool.
/// </summary>
public sealed record FuzzValue(FuzzValueKind Kind, int Variant, int Size)
{
    /// <summary>The value as JSON text, for a value landing in <paramref name="field"/>.</summary>
    public string Json(string? field)
    {
        switch (Kind)
        {
            case FuzzValueKind.Field when FuzzValues.For(field) is { } pool:
                return pool[Variant % pool.Length];
            case FuzzValueKind.Generic or FuzzValueKind.Field:
                return FuzzValues.Generic[Variant % FuzzValues.Generic.Length];
            case FuzzValueKind.LongString:
                var filler = FuzzValues.Fillers[Variant % FuzzValues.Fillers.Length];
                return new StringBuilder(Size * filler.Length + 2).Append('"').Insert(1, filler, Size).Append('"').ToString();
            case FuzzValueKind.DeepArray:
                return new string('[', Size) + new string(']', Size);
            case FuzzValueKind.DeepObject:
                return new StringBuilder().Insert(0, "{\"a\":", Size).Append("null").Append('}', Size).ToString();
            default:
                var item = FuzzValues.Generic[Variant % FuzzValues.Generic.Length];
                return "[" + string.Join(",", Enumerable.Repeat(item, Size)) + "]";
        }
    }

    /// <summary>Simpler values to try when this one broke something.</summary>
    public IEnumerable<FuzzValue> Shrink()
    {
        if (Kind is FuzzValueKind.Generic or FuzzValueKind.Field)
        {
            if (Variant > 0)
            {
                yield return this with { Variant = 0 };
                yield return this with { Variant = Variant / 2 };
            }

            yield break;
        }

        foreach (var size in new[] { 0, 1, Size / 10, Size / 2, Size - 1 }.Where(s => s >= 0 && s < Size).Distinct())
        {
            yield return this with { Size = size };
        }
    }

    public string Describe(string? field)
    {
        var json = Json(field);
        return Kind switch
        {
            FuzzValueKind.LongString => $"\"{FuzzValues.Fillers[Variant % FuzzValues.Fillers.Length]}\"×{Size}",
            FuzzValueKind.DeepArray => $"[[[…]]] {Size} deep",
            FuzzValueKind.DeepObject => $"{{\"a\":{{…}}}} {Size} deep",
            FuzzValueKind.ManyItems => $"[{FuzzValues.Generic[Variant % FuzzValues.Generic.Length]}, …] ×{Size}",
            _ => json.Length > 80 ? json[..77] + "…" : json,
        };
    }
}
