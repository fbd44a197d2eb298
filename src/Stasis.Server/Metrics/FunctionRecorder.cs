using Stasis.Server.Scheduling;

namespace Stasis.Server.Metrics;

/// <summary>
/// One function's open interval. The gateway reports each invocation (<see cref="Enter"/> when it holds a slot,
/// <see cref="Complete"/> at the end); the sampler adds the dispatcher's load every second. Whoever first sees the
/// clock past the interval's end closes it, so an invocation always counts in the interval it ended in, however
/// late the next sample comes. Closed intervals wait here until the collector finishes them. It also keeps the
/// function's last <see cref="InvocationRing.Capacity"/> invocations (<see cref="RecentInvocations"/>), under the same lock.
/// </summary>
internal sealed class FunctionRecorder
{
    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;
    private readonly List<IntervalTally> _closed = new();
    private IntervalTally _current;
    private LoadSample? _lastSample;
    private InvocationRing? _recent;
    private int _inFlight;

    public FunctionRecorder(string functionName, TimeProvider time, TimeSpan interval, FunctionSeries series)
    {
        FunctionName = functionName;
        _time = time;
        _interval = interval;
        Series = series;
        var now = time.GetUtcNow();
        _current = new IntervalTally(now, IntervalClock.EndOf(now, interval));
    }

    public string FunctionName { get; }

    /// <summary>The function's Prometheus series, updated with each invocation.</summary>
    public FunctionSeries Series { get; }

    /// <summary>A request took a slot: it is in flight until its <see cref="Complete"/> with <c>entered: true</c>.</summary>
    public void Enter()
    {
        lock (_gate)
        {
            Roll(_time.GetUtcNow());
            _inFlight++;
            _current.InFlightMax = Math.Max(_current.InFlightMax, _inFlight);
        }
    }

    /// <summary>
    /// An invocation ended with <paramref name="status"/> after <paramref name="latency"/>. It is an error when the
    /// status is 5xx or <paramref name="functionError"/>; <paramref name="queueWait"/> is its wait for a slot, null
    /// when it never got one. With a <paramref name="call"/> (the gateway always gives one) it also joins the recent
    /// invocations, received <paramref name="latency"/> before now.
    /// </summary>
    public void Complete(int status, bool functionError, TimeSpan latency, TimeSpan? queueWait, bool entered, in InvocationCall call = default)
    {
        var error = IsError(status, functionError);
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            Roll(now);
            if (entered)
            {
                _inFlight--;
            }

            _current.Invocations++;
            _current.Errors += error ? 1 : 0;
            _current.Latency.Add(latency.TotalMilliseconds);
            if (queueWait is { } wait)
            {
                _current.QueueWait.Add(wait.TotalMilliseconds);
            }

            if (call.RequestId is not null)
            {
                _recent ??= new InvocationRing();
                _recent.Add(new RecentInvocation(call.RequestId, now - latency, call.Method, call.Path, status, functionError,
                    latency.TotalMilliseconds, queueWait?.TotalMilliseconds, call.InstanceId, call.Arrival));
            }
        }

        Series.Invoked(status, error, latency, queueWait);
    }

    /// <summary>The function's newest <paramref name="limit"/> invocations, newest first (a copy).</summary>
    public RecentInvocation[] RecentInvocations(int limit)
    {
        lock (_gate)
        {
            return _recent?.Newest(limit) ?? [];
        }
    }

    public static bool IsError(int status, bool functionError) => status >= 500 || functionError;

    /// <summary>Adds a load sample taken at <paramref name="now"/>, first closing the interval if it has ended; moves what closed to <paramref name="closed"/>.</summary>
    public void Sample(DateTimeOffset now, LoadSample sample, List<IntervalTally> closed)
    {
        lock (_gate)
        {
            Roll(now);
            _current.Add(sample);
            _lastSample = sample;
            closed.AddRange(_closed);
            _closed.Clear();
        }
    }

    /// <summary>Closes the open interval at <paramref name="now"/> (shutdown, or the function is gone) and moves everything closed to <paramref name="closed"/>.</summary>
    public void Flush(DateTimeOffset now, List<IntervalTally> closed)
    {
        lock (_gate)
        {
            Roll(now);
            if (now > _current.Start)
            {
                _current.End = now;
                Close();
                _current = new IntervalTally(now, IntervalClock.EndOf(now, _interval)) { InFlightMax = _inFlight };
            }

            closed.AddRange(_closed);
            _closed.Clear();
        }
    }

    /// <summary>Closes the open interval if <paramref name="now"/> is past its end; the next begins at the boundary (or at the one before now, after a gap).</summary>
    private void Roll(DateTimeOffset now)
    {
        if (now < _current.End)
        {
            return;
        }

        var start = now < _current.End + _interval ? _current.End : IntervalClock.StartOf(now, _interval);
        Close();
        // Requests still in flight are in flight in the new interval too.
        _current = new IntervalTally(start, start + _interval) { InFlightMax = _inFlight };
    }

    private void Close()
    {
        _current.LastSample ??= _lastSample;
        _closed.Add(_current);
    }
}

/// <summary>Interval boundaries: multiples of the interval since the Unix epoch, so every function's intervals line up.</summary>
internal static class IntervalClock
{
    public static DateTimeOffset StartOf(DateTimeOffset t, TimeSpan interval)
    {
        var ticks = t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        return DateTimeOffset.UnixEpoch.AddTicks(ticks - ticks % interval.Ticks);
    }

    public static DateTimeOffset EndOf(DateTimeOffset t, TimeSpan interval) => StartOf(t, interval) + interval;
}
