using FsCheck;
using FsCheck.Fluent;
using Stasis.Fuzzing;

namespace Stasis.Tests.Fuzzing;

/// <summary>A scheduled action's schedule and time zone, as text: what <c>scheduleExpression</c> and <c>timeZone</c> would hold.</summary>
public sealed record ScheduleCase(string Expression, string TimeZone)
{
    public override string ToString() => $"scheduleExpression {Show(Expression)}, timeZone {Show(TimeZone)}";

    private static string Show(string text) => System.Text.Json.JsonSerializer.Serialize(text.Length > 200 ? text[..200] + "…" : text);
}

/// <summary>
/// Generators of cron(...) and at(...) expressions: Cronos' grammar with fields in and out of range,
/// names, steps, ranges and the L/W/# forms; ISO times with impossible parts; the pool of near misses; and
/// random characters spliced into any of them.
/// </summary>
public static class ScheduleFuzz
{
    private static readonly string[] Names = ["MON", "TUE", "SUN", "SAT", "JAN", "DEC", "FEB", "XYZ", "mon"];

    private static readonly Gen<string> Number = Gen.Frequency(
        (6, Gen.Choose(0, 61).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        (1, Gen.Elements("-1", "99", "100", "2147483648", "007", "1e3", "")));

    private static readonly Gen<string> Atom = Gen.Frequency(
        (4, Number),
        (2, Gen.Elements("*", "?", "L", "W", "LW", "L-3", "15W", "6#3", "7#6", "0#1", "L-40")),
        (1, Gen.Elements(Names)));

    /// <summary>One cron field: an atom, a range, a step, or a list of them.</summary>
    private static readonly Gen<string> Field = Gen.Frequency(
        (5, Atom),
        (2, from a in Atom from b in Atom select $"{a}-{b}"),
        (2, from a in Atom from step in Number select $"{a}/{step}"),
        (1, from n in Gen.Choose(2, 4) from items in Atom.ArrayOf(n) select string.Join(",", items)));

    private static readonly Gen<string> Cron =
        from count in Gen.Frequency((8, Gen.Constant(6)), (1, Gen.Constant(5)), (1, Gen.Constant(7)), (1, Gen.Choose(0, 12)))
        from fields in Field.ArrayOf(count)
        from separator in Gen.Frequency((8, Gen.Constant(" ")), (1, Gen.Constant("\t")), (1, Gen.Constant("  ")))
        select $"cron({string.Join(separator, fields)})";

    private static readonly Gen<string> At =
        from year in Gen.Elements("0001", "1970", "2024", "2100", "9999", "0000", "10000")
        from month in Gen.Elements("01", "02", "12", "13", "00")
        from day in Gen.Elements("01", "28", "29", "30", "31", "32", "00")
        from hour in Gen.Elements("00", "02", "23", "24")
        from minute in Gen.Elements("00", "30", "59", "60")
        from second in Gen.Elements("", ":00", ":59", ":60", ":00.1234567", ":00.12345678")
        from offset in Gen.Elements("", "Z", "z", "+08:00", "-14:00", "+14:00", "+14:01", "-00:00", "+99:99", "+8")
        select $"at({year}-{month}-{day}T{hour}:{minute}{second}{offset})";

    private static readonly Gen<string> Expression = Gen.Frequency(
        (4, Cron),
        (2, At),
        (2, Gen.Elements(FuzzValues.ScheduleExpressions)));

    /// <summary>Now and then a character of any kind is put into the expression.</summary>
    private static readonly Gen<string> Mutated = Gen.Frequency(
        (6, Expression),
        (1, from text in Expression
            from at in Gen.Choose(0, 1000)
            from c in Gen.Elements('(', ')', ' ', '\0', '\n', '*', '-', '/', ',', '#', 'L', '9', 'é', '\uffff', '\ud800')
            select text.Insert(text.Length * at / 1000, c.ToString())));

    public static Arbitrary<ScheduleCase> Cases { get; } = Arb.From(
        from expression in Mutated
        from zone in Gen.Frequency((3, Gen.Constant("UTC")), (2, Gen.Elements(FuzzValues.TimeZones)))
        select new ScheduleCase(expression, zone),
        Shrink);

    private static IEnumerable<ScheduleCase> Shrink(ScheduleCase c)
    {
        if (c.TimeZone != "UTC")
        {
            yield return c with { TimeZone = "UTC" };
        }

        for (var i = 0; i < c.Expression.Length; i++)
        {
            yield return c with { Expression = c.Expression.Remove(i, 1) };
        }
    }
}
