namespace Stasis.Server.Instances;

/// <summary>
/// One instance's states over the last <see cref="Kept"/>, as segments. Clock-free: every change comes with its time.
/// <para>
/// An instance under load flips warm ⇄ busy with every request, thousands of times a minute, so those two have a
/// resolution of <see cref="Resolution"/>: consecutive warm and busy pieces shorter than that are merged until the
/// merged piece is that long, busy winning over warm (a 10 ms request in a quiet minute shows as one second of busy
/// between two warm segments; a second of back-to-back requests as busy). A merged piece shorter than the resolution
/// stays only right before another state, and then a warm one right after busy joins the busy. Every other state (starting, initializing, frozen, thawing,
/// draining, stopped, failed) is kept however short. Segments that ended more than <see cref="Kept"/> ago are dropped,
/// and at most <see cref="MaxSegments"/> are kept, the oldest going first, in a <see cref="SegmentRing"/> of 16 bytes
/// a segment (at most 64 KB an instance); an instance that ended lets go of the room it no longer needs.
/// </para>
/// Not thread-safe: the instance's dispatcher changes and reads it under its lock.
/// </summary>
internal sealed class StateTimeline
{
    public const int MaxSegments = 4096;
    public static readonly TimeSpan Resolution = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan Kept = TimeSpan.FromHours(1);

    /// <summary>Finished segments, oldest first.</summary>
    private readonly SegmentRing _closed = new(MaxSegments);

    /// <summary>Warm and busy pieces merged so far that are still shorter than the resolution.</summary>
    private TimelineSegment? _pending;
    private DateTimeOffset _since;

    public StateTimeline(TimelineState state, DateTimeOffset at)
    {
        State = state;
        _since = at;
    }

    /// <summary>The state now.</summary>
    public TimelineState State { get; private set; }

    /// <summary>When the instance stopped or failed; null while it lives.</summary>
    public DateTimeOffset? EndedAt => State.IsEnd() ? _since : null;

    /// <summary>How many finished segments it holds (the current state and merged pieces not yet a second long aside).</summary>
    public int Count => _closed.Count;

    /// <summary>
    /// The instance is in <paramref name="state"/> from <paramref name="at"/> on. The same state again changes nothing,
    /// nor does anything after a stop or failure; a time before the last change counts as that change's time.
    /// </summary>
    public void Enter(TimelineState state, DateTimeOffset at)
    {
        if (state == State || State.IsEnd())
        {
            return;
        }

        if (at < _since)
        {
            at = _since;
        }

        Close(ref _pending, new TimelineSegment(State, _since, at), _closed);
        State = state;
        _since = at;
        Trim(at);
        if (state.IsEnd())
        {
            _closed.TrimExcess();
        }
    }

    /// <summary>
    /// The segments over [<paramref name="from"/>, <paramref name="to"/>], oldest first and contiguous, cut at both
    /// ends: the current state's segment ends at <paramref name="to"/>, and a stopped or failed instance's last segment is
    /// the moment it ended (from = to). Reading changes nothing.
    /// </summary>
    public List<TimelineSegment> Read(DateTimeOffset from, DateTimeOffset to)
    {
        var all = new List<TimelineSegment>(Count + 3);
        for (var i = 0; i < _closed.Count; i++)
        {
            all.Add(_closed[i]);
        }

        // The pending pieces and the current state, resolved as if the state ended now.
        var pending = _pending;
        var sink = new ListSink(all);
        if (State.IsEnd())
        {
            Close(ref pending, new TimelineSegment(State, _since, _since), sink);
        }
        else
        {
            Close(ref pending, new TimelineSegment(State, _since, to > _since ? to : _since), sink);
            Flush(ref pending, sink);
        }

        var result = new List<TimelineSegment>(all.Count);
        foreach (var s in all)
        {
            var inside = s.From == s.To ? s.From >= from && s.From <= to : s.To > from && s.From < to;
            if (inside)
            {
                result.Add(new TimelineSegment(s.State, s.From < from ? from : s.From, s.To > to ? to : s.To));
            }
        }

        return result;
    }

    /// <summary>
    /// A piece of the timeline ended: a warm or busy one joins the pending pieces, which go to <paramref name="closed"/>
    /// once they span the resolution; any other state first flushes the pending pieces, then goes itself.
    /// </summary>
    private static void Close<TSink>(ref TimelineSegment? pending, TimelineSegment piece, TSink closed)
        where TSink : ISegmentSink
    {
        if (!piece.State.IsServing())
        {
            Settle(ref pending, closed);
            Append(closed, piece);
            return;
        }

        TimelineSegment? rest = piece;
        while (rest is { } next)
        {
            rest = null;
            if (pending is not { } p)
            {
                pending = next;
            }
            else if (next.State == p.State || next.State == TimelineState.Busy)
            {
                // Busy wins: a short warm piece before a busy one is busy too.
                pending = new TimelineSegment(next.State, p.From, next.To);
            }
            else
            {
                // Busy, then warm: the busy piece takes the warm time it lacks to make the resolution; the rest stays warm.
                var take = Resolution - p.Length < next.Length ? Resolution - p.Length : next.Length;
                pending = p with { To = p.To + take };
                if (take < next.Length)
                {
                    rest = next with { From = next.From + take };
                }
            }

            if (pending is { } full && full.Length >= Resolution)
            {
                Append(closed, full);
                pending = null;
            }
        }
    }

    /// <summary>
    /// Pending pieces still shorter than the resolution, before another state: a warm one right after a busy segment
    /// joins it (busy wins); anything else goes as it is.
    /// </summary>
    private static void Settle<TSink>(ref TimelineSegment? pending, TSink closed)
        where TSink : ISegmentSink
    {
        if (pending is { State: TimelineState.Warm } p && closed.Count > 0 && closed.Last is { State: TimelineState.Busy } last && last.To == p.From)
        {
            closed.Last = last with { To = p.To };
            pending = null;
            return;
        }

        Flush(ref pending, closed);
    }

    /// <summary>Pending pieces go as they are, however short (the current state, when it is read).</summary>
    private static void Flush<TSink>(ref TimelineSegment? pending, TSink closed)
        where TSink : ISegmentSink
    {
        if (pending is { } p)
        {
            Append(closed, p);
            pending = null;
        }
    }

    /// <summary>Adds a finished segment, extending the last one instead when it is the same state and ends where this begins.</summary>
    private static void Append<TSink>(TSink closed, TimelineSegment segment)
        where TSink : ISegmentSink
    {
        if (closed.Count > 0 && closed.Last is var last && last.State == segment.State && last.To == segment.From)
        {
            closed.Last = last with { To = segment.To };
            return;
        }

        closed.Add(segment);
    }

    /// <summary>Drops what ended more than <see cref="Kept"/> before <paramref name="now"/> (the ring drops the oldest past <see cref="MaxSegments"/>).</summary>
    private void Trim(DateTimeOffset now)
    {
        var cutoff = now - Kept;
        while (_closed.Count > 0 && _closed[0].To < cutoff)
        {
            _closed.DropOldest();
        }
    }
}
