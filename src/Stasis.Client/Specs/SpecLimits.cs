namespace Stasis.Client.Specs;

/// <summary>
/// How far an s.yaml may nest and expand. A real file nests a few levels and holds hundreds of values;
/// the bounds keep a hostile or broken one (a <c>[[[[…]]]]</c> run, an anchor/alias "billion laughs",
/// a chain of <c>${vars}</c>) from exhausting the stack, the memory or the time of the one reading it.
/// </summary>
public static class SpecLimits
{
    /// <summary>
    /// Lists and mappings inside each other, counted from the top of the file, plus the <c>${vars}</c> a
    /// value passes through. Also keeps every kept prop (<c>logConfig</c>, unknown props) within JSON's depth of 64.
    /// </summary>
    public const int MaxDepth = 64;

    /// <summary>Values the file may expand to, once anchors, aliases, <c>&lt;&lt;:</c> merges and <c>${vars}</c> are expanded.</summary>
    public const int MaxNodes = 100_000;

    /// <summary>Characters of text that <c>${...}</c> may build in all, so that variables built from variables cannot double a text without end.</summary>
    public const int MaxInterpolatedText = 10_000_000;
}
