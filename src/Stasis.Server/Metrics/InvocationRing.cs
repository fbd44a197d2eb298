namespace Stasis.Server.Metrics;

/// <summary>
/// A function's last <see cref="Capacity"/> invocations in a fixed array: adding one overwrites the oldest, so
/// memory stays the same however busy the function is and adding allocates nothing. Not thread-safe: the
/// function's <see cref="FunctionRecorder"/> uses it under its lock.
/// </summary>
internal sealed class InvocationRing
{
    /// <summary>How many invocations a function keeps, and the largest <c>limit</c> the API takes.</summary>
    public const int Capacity = 500;

    private readonly RecentInvocation[] _items;
    private int _next;

    public InvocationRing(int capacity = Capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _items = new RecentInvocation[capacity];
    }

    /// <summary>How many invocations it holds (at most its capacity).</summary>
    public int Count { get; private set; }

    public void Add(in RecentInvocation invocation)
    {
        _items[_next] = invocation;
        _next = _next + 1 == _items.Length ? 0 : _next + 1;
        if (Count < _items.Length)
        {
            Count++;
        }
    }

    /// <summary>The newest <paramref name="limit"/> invocations (fewer when it holds fewer), newest first.</summary>
    public RecentInvocation[] Newest(int limit)
    {
        var count = Math.Clamp(limit, 0, Count);
        var result = new RecentInvocation[count];
        var index = _next;
        for (var i = 0; i < count; i++)
        {
            index = index == 0 ? _items.Length - 1 : index - 1;
            result[i] = _items[index];
        }

        return result;
    }
}
