using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Stasis.Server.Runtime;
using Stasis.Server.Scheduling;

namespace Stasis.Server.Metrics;

/// <summary>
/// Per-function metrics, aggregated per interval. The gateway feeds each function's <see cref="FunctionRecorder"/>
/// (<see cref="For"/>) with every invocation; the sampler calls <see cref="Tick"/> every second (four times per interval
/// when the interval is shorter than 4 s), which takes each dispatcher's <see cref="LoadSample"/>, and, when an
/// interval has ended, reads the instances' CPU and memory (cgroups) and GPU memory (nvidia-smi, at most once per
/// interval), and closes the interval into a <see cref="FunctionMetricsPoint"/> per function.
/// <para>
/// Each closed point becomes <see cref="Latest"/> for its function and is then handed to every
/// <see cref="IntervalClosed"/> handler; <see cref="Tick"/> returns the points with their instances' for the store.
/// Time comes only from the <see cref="TimeProvider"/>, so tests drive it with a fake clock.
/// </para>
/// </summary>
internal sealed class MetricsCollector
{
    private const long Mebibyte = 1024 * 1024;

    private readonly ConcurrentDictionary<string, FunctionRecorder> _recorders = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, FunctionMetricsPoint> _latest = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CpuReading> _cpu = new(StringComparer.Ordinal);
    private readonly Func<IReadOnlyList<LoadSample>> _sample;
    private readonly IGpuMemoryProbe _gpu;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _ticking = new();

    /// <param name="sample">Each live function's load now (in the server: every dispatcher's <see cref="FunctionDispatcher.LoadSample"/>).</param>
    public MetricsCollector(Func<IReadOnlyList<LoadSample>> sample, TimeSpan interval, TimeProvider time, IGpuMemoryProbe gpu, PrometheusMetrics prometheus, ILogger logger)
    {
        if (interval < MetricsIntervals.Min || interval > MetricsIntervals.Max)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), interval, $"the metrics interval must be between {MetricsIntervals.Min} and {MetricsIntervals.Max}");
        }

        _sample = sample;
        Interval = interval;
        _time = time;
        _gpu = gpu;
        Prometheus = prometheus;
        _logger = logger;
    }

    /// <summary>
    /// Raised once per function for each interval that closes, with the function's point, after it became
    /// <see cref="Latest"/>. Handlers run one after another on the sampler's thread while it holds its tick: they
    /// must be quick and must not block (copy the point and return). A handler that throws is logged and the
    /// others still run. The last point before a shutdown or a function's removal ends early (its End is then).
    /// </summary>
    public event Action<FunctionMetricsPoint>? IntervalClosed;

    /// <summary>How long an interval lasts (StasisServerOptions.MetricsInterval).</summary>
    public TimeSpan Interval { get; }

    public PrometheusMetrics Prometheus { get; }

    /// <summary>How often <see cref="Tick"/> should run: every second, or four times per interval when it is shorter than 4 s.</summary>
    public TimeSpan SamplePeriod => TimeSpan.FromTicks(Math.Min(TimeSpan.TicksPerSecond, Interval.Ticks / 4));

    /// <summary>The function's recorder (created on first use), for the gateway to report invocations to.</summary>
    public FunctionRecorder For(string function) =>
        _recorders.GetOrAdd(function, static (name, self) => new FunctionRecorder(name, self._time, self.Interval, self.Prometheus.For(name)), this);

    /// <summary>The function's newest <paramref name="limit"/> invocations, newest first; none before its first (or once it was removed).</summary>
    public RecentInvocation[] RecentInvocations(string function, int limit) =>
        _recorders.TryGetValue(function, out var recorder) ? recorder.RecentInvocations(limit) : [];

    /// <summary>The function's last closed point, or null before its first interval closed (or once it was removed).</summary>
    public FunctionMetricsPoint? Latest(string function) => _latest.GetValueOrDefault(function);

    /// <summary>
    /// Samples every function's load into its open interval, closing the intervals that ended (and the last one of
    /// functions that are gone). Returns what closed, for the store; usually nothing.
    /// </summary>
    public IReadOnlyList<ClosedInterval> Tick()
    {
        lock (_ticking)
        {
            var now = _time.GetUtcNow();
            var samples = _sample();
            var closing = new List<(string Name, LoadSample? Load, List<IntervalTally> Tallies)>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var sample in samples)
            {
                seen.Add(sample.FunctionName);
                var closed = new List<IntervalTally>();
                For(sample.FunctionName).Sample(now, sample, closed);
                Prometheus.Sampled(sample);
                if (closed.Count > 0)
                {
                    closing.Add((sample.FunctionName, sample, closed));
                }
            }

            var gone = new List<string>();
            foreach (var (name, recorder) in _recorders)
            {
                if (!seen.Contains(name))
                {
                    var closed = new List<IntervalTally>();
                    recorder.Flush(now, closed);
                    closing.Add((name, null, closed));
                    gone.Add(name);
                }
            }

            var result = Finish(closing);
            foreach (var name in gone)
            {
                _recorders.TryRemove(name, out _);
                _latest.TryRemove(name, out _);
                Prometheus.RemoveFunction(name);
            }

            TakeBaselines(samples);
            return result;
        }
    }

    /// <summary>Closes every open interval now (at shutdown); returns them for the store.</summary>
    public IReadOnlyList<ClosedInterval> Flush()
    {
        lock (_ticking)
        {
            var now = _time.GetUtcNow();
            var loads = _sample().ToDictionary(s => s.FunctionName, StringComparer.Ordinal);
            var closing = new List<(string Name, LoadSample? Load, List<IntervalTally> Tallies)>();
            foreach (var (name, recorder) in _recorders)
            {
                var closed = new List<IntervalTally>();
                recorder.Flush(now, closed);
                closing.Add((name, loads.GetValueOrDefault(name), closed));
            }

            return Finish(closing);
        }
    }

    private List<ClosedInterval> Finish(List<(string Name, LoadSample? Load, List<IntervalTally> Tallies)> closing)
    {
        var result = new List<ClosedInterval>();
        if (closing.Count == 0)
        {
            return result;
        }

        var timestamp = _time.GetTimestamp();
        var needsGpu = closing.Any(c => c.Load?.GpuMemoryMb is > 0);
        var gpu = needsGpu && _gpu.Available ? _gpu.Read() : null;
        foreach (var (name, load, tallies) in closing)
        {
            for (var i = 0; i < tallies.Count; i++)
            {
                // Readings describe the time up to now: they go with the function's latest closed interval only.
                var readings = i == tallies.Count - 1 && load is not null ? Read(load, timestamp, gpu) : null;
                result.Add(Close(name, tallies[i], readings, load?.GpuMemoryMb ?? tallies[i].LastSample?.GpuMemoryMb, gpu is not null));
            }
        }

        foreach (var closed in result)
        {
            _latest[closed.Function.FunctionName] = closed.Function;
            Prometheus.Closed(closed);
            Raise(closed.Function);
        }

        return result;
    }

    /// <summary>Each live instance's CPU utilization since its previous reading, memory now, and GPU memory now.</summary>
    private Dictionary<string, InstanceReading> Read(LoadSample load, long timestamp, GpuMemoryReading? gpu)
    {
        var readings = new Dictionary<string, InstanceReading>(StringComparer.Ordinal);
        var cores = load.CpuLimit is > 0 ? load.CpuLimit.Value : 1.0;
        foreach (var instance in load.Instances)
        {
            if (instance.Handle is not IInstanceUsage meter)
            {
                continue;
            }

            var usage = meter.ReadUsage();
            double? cpu = null;
            if (usage.CpuTime is { } now && _cpu.GetValueOrDefault(instance.InstanceId) is { Cpu: { } before } previous)
            {
                var wall = _time.GetElapsedTime(previous.Timestamp, timestamp);
                if (wall > TimeSpan.Zero)
                {
                    cpu = Math.Max(0, (now - before) / wall / cores);
                }
            }

            _cpu[instance.InstanceId] = new CpuReading(usage.CpuTime, timestamp);
            long? gpuBytes = null;
            if (gpu is not null && load.GpuMemoryMb is > 0)
            {
                gpuBytes = meter.ProcessIds().Sum(pid => gpu.UsedMbByProcess.GetValueOrDefault(pid)) * Mebibyte;
            }

            readings[instance.InstanceId] = new InstanceReading(cpu, usage.MemoryBytes, gpuBytes);
        }

        return readings;
    }

    /// <summary>An instance seen for the first time gets a CPU reading now, so that its first interval has a utilization.</summary>
    private void TakeBaselines(IReadOnlyList<LoadSample> samples)
    {
        var live = new HashSet<string>(StringComparer.Ordinal);
        var timestamp = _time.GetTimestamp();
        foreach (var instance in samples.SelectMany(s => s.Instances))
        {
            live.Add(instance.InstanceId);
            if (!_cpu.ContainsKey(instance.InstanceId) && instance.Handle is IInstanceUsage meter)
            {
                _cpu[instance.InstanceId] = new CpuReading(meter.ReadUsage().CpuTime, timestamp);
            }
        }

        foreach (var id in _cpu.Keys.Where(id => !live.Contains(id)).ToList())
        {
            _cpu.Remove(id);
        }
    }

    private static ClosedInterval Close(string name, IntervalTally tally, Dictionary<string, InstanceReading>? readings, int? gpuMemoryMb, bool gpuRead)
    {
        var instances = new List<InstanceMetricsPoint>(tally.Instances.Count);
        foreach (var (id, t) in tally.Instances)
        {
            var reading = readings?.GetValueOrDefault(id);
            instances.Add(new InstanceMetricsPoint
            {
                FunctionName = name,
                InstanceId = id,
                Start = tally.Start,
                End = tally.End,
                Kind = t.Kind,
                State = t.State,
                Slots = t.Slots,
                InFlightAverage = t.Samples == 0 ? 0 : (double)t.InFlightSum / t.Samples,
                InFlightMax = t.InFlightMax,
                CpuUtilization = reading?.Cpu,
                MemoryBytes = reading?.MemoryBytes,
                GpuMemoryBytes = reading?.GpuMemoryBytes,
            });
        }

        var cpu = instances.Where(i => i.CpuUtilization is not null).Select(i => i.CpuUtilization!.Value).ToList();
        var memory = instances.Where(i => i.MemoryBytes is not null).Select(i => i.MemoryBytes!.Value).ToList();
        var gpuMeasured = instances.Where(i => i.GpuMemoryBytes is not null).ToList();
        var last = tally.LastSample;
        return new ClosedInterval(new FunctionMetricsPoint
        {
            FunctionName = name,
            Start = tally.Start,
            End = tally.End,
            Invocations = tally.Invocations,
            Errors = tally.Errors,
            LatencyP50Ms = tally.Latency.Percentile(0.5),
            LatencyP90Ms = tally.Latency.Percentile(0.9),
            LatencyP99Ms = tally.Latency.Percentile(0.99),
            QueueWaitP50Ms = tally.QueueWait.Percentile(0.5),
            QueueWaitP90Ms = tally.QueueWait.Percentile(0.9),
            QueueWaitP99Ms = tally.QueueWait.Percentile(0.99),
            InFlightAverage = tally.Samples == 0 ? null : (double)tally.InFlightSum / tally.Samples,
            InFlightMax = tally.InFlightMax,
            ProvisionedConcurrencyUtilization = tally.ProvisionedSamples == 0 ? null : tally.ProvisionedUtilizationSum / tally.ProvisionedSamples,
            CpuUtilization = cpu.Count == 0 ? null : cpu.Average(),
            MemoryBytes = memory.Count == 0 ? null : memory.Sum(),
            GpuMemoryUtilization = gpuRead && gpuMemoryMb is > 0 && gpuMeasured.Count > 0
                ? gpuMeasured.Sum(i => i.GpuMemoryBytes!.Value) / ((double)gpuMemoryMb.Value * Mebibyte * gpuMeasured.Count)
                : null,
            ProvisionedTarget = last?.ProvisionedTarget ?? 0,
            ProvisionedCurrent = last?.ProvisionedCurrent ?? 0,
            Instances = last is null ? default : CountStates(last),
            Samples = tally.Samples,
        }, instances);
    }

    private static InstancesByState CountStates(LoadSample sample)
    {
        int starting = 0, ready = 0, busy = 0, frozen = 0, draining = 0;
        foreach (var i in sample.Instances)
        {
            switch (i.State)
            {
                case Instances.InstanceState.Starting or Instances.InstanceState.Initializing: starting++; break;
                case Instances.InstanceState.Ready: ready++; break;
                case Instances.InstanceState.Busy or Instances.InstanceState.Thawing: busy++; break;
                case Instances.InstanceState.Frozen: frozen++; break;
                case Instances.InstanceState.Draining: draining++; break;
            }
        }

        return new InstancesByState(starting, ready, busy, frozen, draining);
    }

    private void Raise(FunctionMetricsPoint point)
    {
        if (IntervalClosed is not { } handlers)
        {
            return;
        }

        foreach (var handler in handlers.GetInvocationList().Cast<Action<FunctionMetricsPoint>>())
        {
            try
            {
                handler(point);
            }
            catch (Exception e)
            {
                _logger.LogError(e, "metrics: an IntervalClosed handler failed for {Function}", point.FunctionName);
            }
        }
    }

    private readonly record struct CpuReading(TimeSpan? Cpu, long Timestamp);

    private sealed record InstanceReading(double? Cpu, long? MemoryBytes, long? GpuMemoryBytes);
}

/// <summary>The bounds of the metrics interval and its default.</summary>
internal static class MetricsIntervals
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan Min = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan Max = TimeSpan.FromSeconds(3600);
    public static readonly TimeSpan DefaultRetention = TimeSpan.FromDays(31);
}
