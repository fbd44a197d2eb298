using FsCheck;
using FsCheck.Fluent;

namespace Stasis.Fuzzing;

/// <summary>FsCheck generators of <see cref="JsonCase"/>s: a valid document, a few edits, sometimes damaged bytes.</summary>
public static class JsonFuzz
{
    /// <summary>Mostly values meant for the field they land in or of any type; sometimes long, deep or many.</summary>
    public static Gen<FuzzValue> Values { get; } = Gen.Frequency(
        (5, Gen.Choose(0, 10_000).Select(v => new FuzzValue(FuzzValueKind.Field, v, 0))),
        (4, Gen.Choose(0, 10_000).Select(v => new FuzzValue(FuzzValueKind.Generic, v, 0))),
        (1, from filler in Gen.Choose(0, 100)
            from length in Gen.Elements(FuzzValues.Lengths)
            select new FuzzValue(FuzzValueKind.LongString, filler, length)),
        (1, Gen.Elements(FuzzValues.Depths).Select(d => new FuzzValue(FuzzValueKind.DeepArray, 0, d))),
        (1, Gen.Elements(FuzzValues.Depths).Select(d => new FuzzValue(FuzzValueKind.DeepObject, 0, d))),
        (1, from item in Gen.Choose(0, 10_000)
            from count in Gen.Elements(FuzzValues.Counts)
            select new FuzzValue(FuzzValueKind.ManyItems, item, count)));

    public static Gen<JsonEdit> Edits { get; } =
        from kind in Gen.Frequency(
            (8, Gen.Constant(JsonEditKind.Replace)),
            (3, Gen.Constant(JsonEditKind.Remove)),
            (3, Gen.Constant(JsonEditKind.AddField)),
            (1, Gen.Constant(JsonEditKind.RenameField)),
            (1, Gen.Constant(JsonEditKind.Wrap)),
            (1, Gen.Constant(JsonEditKind.Duplicate)))
        from place in Gen.Choose(0, 10_000)
        from value in Values
        from name in Gen.Choose(0, 10_000)
        select new JsonEdit(kind, place, value, name);

    /// <summary>Undamaged four times in five.</summary>
    public static Gen<BodyDamage> Damages { get; } = Gen.Frequency(
        (28, Gen.Constant(BodyDamage.None)),
        (1, Damage(DamageKind.Truncate)),
        (1, Damage(DamageKind.InvalidUtf8)),
        (1, Damage(DamageKind.FlipBit)),
        (1, Damage(DamageKind.Empty)),
        (2, Damage(DamageKind.NotJson)),
        (1, Damage(DamageKind.Utf16)),
        (1, Damage(DamageKind.Bom)));

    /// <summary>Cases of one document: now and then unchanged, mostly one to three edits, sometimes up to eight.</summary>
    public static Gen<JsonCase> Cases(string name, string document) =>
        from count in Gen.Frequency((1, Gen.Constant(0)), (7, Gen.Choose(1, 3)), (2, Gen.Choose(4, 8)))
        from edits in Edits.ArrayOf(count)
        from damage in Damages
        select new JsonCase(name, document, edits, damage);

    public static Arbitrary<JsonCase> Arbitrary(string name, string document) =>
        Arb.From(Cases(name, document), c => c.Shrink());

    private static Gen<BodyDamage> Damage(DamageKind kind) =>
        from at in Gen.Choose(0, 1000)
        from variant in Gen.Choose(0, 100)
        select new BodyDamage(kind, at, variant);
}
