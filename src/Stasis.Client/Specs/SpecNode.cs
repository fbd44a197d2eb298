namespace Stasis.Client.Specs;

/// <summary>
/// A YAML node after <c>${...}</c> interpolation, keeping the line and column it came from so that
/// every later error can point into the file. YamlDotNet's own nodes are mutable and carry no
/// "already resolved" state, hence this small immutable copy.
/// </summary>
internal abstract record SpecNode(int Line, int Column)
{
    /// <summary>How the node reads in an error message ("got 'abc'", "got a list").</summary>
    public abstract string Describe();
}

/// <summary>A scalar. <see cref="Value"/> is null for YAML's null; <see cref="Plain"/> is false for quoted text,
/// which JSON props keep as a string even when it looks like a number.</summary>
internal sealed record SpecScalar(string? Value, bool Plain, int Line, int Column) : SpecNode(Line, Column)
{
    public override string Describe() => Value is null ? "null" : $"'{Value}'";
}

internal sealed record SpecEntry(string Key, int Line, int Column, SpecNode Value);

internal sealed record SpecMap(IReadOnlyList<SpecEntry> Entries, int Line, int Column) : SpecNode(Line, Column)
{
    public override string Describe() => "a mapping";

    public SpecEntry? Find(string key) => Entries.FirstOrDefault(e => e.Key == key);
}

internal sealed record SpecSeq(IReadOnlyList<SpecNode> Items, int Line, int Column) : SpecNode(Line, Column)
{
    public override string Describe() => "a list";
}

/// <summary>A value whose interpolation failed; the error is already reported, so readers skip it silently.</summary>
internal sealed record SpecInvalid(int Line, int Column) : SpecNode(Line, Column)
{
    public override string Describe() => "an invalid value";
}
