namespace Stasis.Cli.Output;

/// <summary>A table as plain strings: what the views produce and the tests check, before Spectre draws it.</summary>
internal sealed record TableData(IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<string>> Rows)
{
    public IReadOnlyList<string> Column(string header)
    {
        var index = Headers.ToList().IndexOf(header);
        if (index < 0)
        {
            throw new ArgumentException($"no column '{header}'", nameof(header));
        }

        return Rows.Select(r => r[index]).ToList();
    }
}

/// <summary>Name/value pairs shown as a two-column grid (status, info).</summary>
internal sealed record PropertyList(IReadOnlyList<KeyValuePair<string, string>> Items)
{
    public string this[string name] => Items.First(i => i.Key == name).Value;

    public bool Contains(string name) => Items.Any(i => i.Key == name);
}
