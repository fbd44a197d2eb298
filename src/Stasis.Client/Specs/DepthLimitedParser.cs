using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Stasis.Client.Specs;

/// <summary>
/// Passes a YAML parser's events on and stops with a <see cref="YamlException"/> at the first list or
/// mapping nested deeper than <see cref="SpecLimits.MaxDepth"/>. YamlDotNet builds its node tree by
/// recursion, one level per nesting, so a file of ten thousand <c>[</c> would otherwise overflow the stack
/// (which no handler can catch); its scanner also slows down with every open flow level.
/// </summary>
internal sealed class DepthLimitedParser(IParser inner) : IParser
{
    private int _depth;

    public ParsingEvent? Current => inner.Current;

    public bool MoveNext()
    {
        if (!inner.MoveNext())
        {
            return false;
        }

        switch (inner.Current)
        {
            case MappingStart or SequenceStart when ++_depth > SpecLimits.MaxDepth:
                throw new YamlException(inner.Current.Start, inner.Current.End,
                    $"lists and mappings nest more than {SpecLimits.MaxDepth} levels deep here; an s.yaml needs a few");
            case MappingEnd or SequenceEnd:
                _depth--;
                break;
        }

        return true;
    }
}
