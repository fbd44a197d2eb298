namespace Stasis.Server.Instances;

/// <summary>
/// Where a timeline's pieces go as they are closed: <see cref="StateTimeline"/>'s own store, or a list while it is read.
/// </summary>
internal interface ISegmentSink
{
    int Count { get; }

    /// <summary>The newest segment (Count &gt; 0).</summary>
    TimelineSegment Last { get; set; }

    void Add(TimelineSegment segment);
}

/// <summary>A list as a sink: what <see cref="StateTimeline.Read"/> resolves the current state into.</summary>
internal readonly struct ListSink(List<TimelineSegment> list) : ISegmentSink
{
    public int Count => list.Count;

    public TimelineSegment Last
    {
        get => list[^1];
        set => list[^1] = value;
    }

    public void Add(TimelineSegment segment) => list.Add(segment);
}

/// <summary>
/// A timeline's finished segments, oldest first, in a ring of at most <see cref="Capacity"/>: adding to a full ring drops
/// the oldest. Segments are contiguous, so each is kept as its state and end (16 bytes), with the start of the oldest
/// kept apart; times are UTC ticks. The ring grows by doubling up to its capacity and can be shrunk to what it holds.
/// </summary>
internal sealed class SegmentRing(int capacity) : ISegmentSink
{
    private Stored[] _items = [];
    private int _head;
    private long _firstFrom;

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity));

    public int Count { get; private set; }

    public TimelineSegment this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            var from = index == 0 ? _firstFrom : _items[Slot(index - 1)].To;
            var item = _items[Slot(index)];
            return new TimelineSegment(item.State, Time(from), Time(item.To));
        }
    }

    public TimelineSegment Last
    {
        get => this[Count - 1];
        set
        {
            // Only the end and the state can change: the start is where the one before ended.
            _items[Slot(Count - 1)] = new Stored(value.To.UtcTicks, value.State);
            if (Count == 1)
            {
                _firstFrom = value.From.UtcTicks;
            }
        }
    }

    public void Add(TimelineSegment segment)
    {
        if (Count == Capacity)
        {
            DropOldest();
        }

        if (Count == _items.Length)
        {
            Resize(Math.Min(Capacity, Math.Max(8, _items.Length * 2)));
        }

        if (Count == 0)
        {
            _firstFrom = segment.From.UtcTicks;
        }

        _items[Slot(Count)] = new Stored(segment.To.UtcTicks, segment.State);
        Count++;
    }

    /// <summary>Drops the oldest segment; the next one's start is where it ended.</summary>
    public void DropOldest()
    {
        if (Count == 0)
        {
            return;
        }

        _firstFrom = _items[_head].To;
        _head = (_head + 1) % _items.Length;
        Count--;
    }

    /// <summary>Lets go of the room it does not use (an instance that ended keeps its timeline, and nothing more).</summary>
    public void TrimExcess() => Resize(Count);

    private int Slot(int index) => (_head + index) % _items.Length;

    private void Resize(int size)
    {
        var items = new Stored[size];
        for (var i = 0; i < Count; i++)
        {
            items[i] = _items[Slot(i)];
        }

        _items = items;
        _head = 0;
    }

    private static DateTimeOffset Time(long utcTicks) => new(utcTicks, TimeSpan.Zero);

    private readonly record struct Stored(long To, TimelineState State);
}
