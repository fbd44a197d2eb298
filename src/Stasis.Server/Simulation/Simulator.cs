using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Stasis.Client.Model;
using Stasis.Server.Autoscaling;
using Stasis.Server.Functions;
using Stasis.Server.Hosting;
using Stasis.Server.Instances;
using Stasis.Server.Metering;
using Stasis.Server.Metrics;
using Stasis.Server.Scheduling;

namespace Stasis.Server.Simulation;

/// <summary>
/// Replays requests against the production core in virtual time: one <see cref="FunctionDispatcher"/>
/// per function (placement, queueing, instance life, idle mode), the <see cref="ProvisionScaler"/> fed
/// by the <see cref="MetricsCollector"/>, and the <see cref="Meter"/> — the same classes the server
/// runs, over a <see cref="VirtualTime"/> clock and a <see cref="SimulatedRuntime"/>. Nothing of their
/// logic is copied here: this class only delivers arrivals, ends service, ticks the loops the
/// server ticks, and counts.
/// </summary>
public static class Simulator
{
    private static readonly TimeSpan RegistryTick = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MeterFold = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Runs one simulation. Throws <see cref="ArgumentException"/> for settings that cannot run (a
    /// provision config that the API would refuse, a request of an unknown function, negative times).
    /// </summary>
    public static SimulationResult Run(SimulationSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        // Continuations run inline on this thread only without a synchronization context (a test runner's, a UI's):
        // with one, the runtime would post them elsewhere and the clock would run ahead of them.
        var context = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            return new SimulationRun(settings, cancellationToken).Execute();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(context);
        }
    }

    /// <summary>One run's state. Single-threaded: everything happens in <see cref="VirtualTime.RunNext"/>.</summary>
    private sealed class SimulationRun
    {
        private readonly SimulationSettings _settings;
        private readonly CancellationToken _cancellation;
        private readonly VirtualTime _time;
        private readonly SimulatedRuntime _runtime;
        private readonly Meter _meter;
        private readonly ProvisionScaler _scaler;
        private readonly MetricsCollector _metrics;
        private readonly FunctionDispatcher[] _dispatchers;
        private readonly ProvisionRecord?[] _provisions;
        private readonly BillTally _bill = new();
        private readonly SampleList _latencies = new();
        private readonly SampleList _waits = new();
        private readonly SampleList _stepLatencies = new();
        private readonly List<SimulationPoint> _timeline = new();
        private readonly long _warmup;
        private readonly Random _random;
        private IEnumerator<SimulatedRequest>? _arrivals;
        private bool _arrivalsDone;
        private long _outstanding;
        private long _requests;
        private long _refused;
        private long _coldStarts;
        private long _thaws;
        private long _stepArrivals;

        public SimulationRun(SimulationSettings settings, CancellationToken cancellation)
        {
            Check(settings);
            _settings = settings;
            _cancellation = cancellation;
            // Provisioned instances are ready before traffic, as they are when a user provisions ahead: the run
            // starts with a warm-up long enough for the slowest start, and the trace's first instant is Start.
            var provisioned = settings.Mode != SimulationMode.OnDemand && settings.Functions.Any(f => f.Provision is not null);
            _warmup = provisioned ? TimeSpan.FromMilliseconds(settings.ColdStart.MaxMs + settings.Initialize.MaxMs + 1000).Ticks : 0;
            _time = new VirtualTime(settings.Start - TimeSpan.FromTicks(_warmup));
            var random = new Random(settings.Seed);
            _random = new Random(settings.Seed + 1);
            _runtime = new SimulatedRuntime(_time, settings, random);
            _meter = new Meter(_time);
            _scaler = new ProvisionScaler(NoJournal.Instance, new ScalingSettings(settings.ScaleOutIntervals, settings.ScaleInIntervals));
            var context = new DispatcherContext(_runtime, new InstanceLaunchFactory(new StasisServerOptions()), NoJournal.Instance, NoJournal.Instance,
                _time, NullLogger.Instance, settings.IdleTimeout, TimeSpan.Zero, "simulated", _meter, TimeSpan.Zero)
            {
                Random = random,
                Ids = new Clock.SeededIds(settings.Seed + 2),
                Spawn = Spawn,
                InlineContinuations = true,
            };

            _dispatchers = new FunctionDispatcher[settings.Functions.Count];
            _provisions = new ProvisionRecord?[settings.Functions.Count];
            for (var i = 0; i < settings.Functions.Count; i++)
            {
                var function = settings.Functions[i];
                var spec = Runnable(function.Spec);
                _dispatchers[i] = new FunctionDispatcher(new FunctionRecord(spec, 1, settings.Start, settings.Start), context);
                _provisions[i] = Provision(spec.FunctionName, function.Provision, settings.Mode, settings.Start - TimeSpan.FromTicks(_warmup));
            }

            var dispatchers = _dispatchers;
            _metrics = new MetricsCollector(() => dispatchers.Select(d => d.LoadSample()).ToList(), settings.MetricsInterval, _time,
                NoGpuMemoryProbe.Instance, new PrometheusMetrics(), NullLogger.Instance);
            _metrics.IntervalClosed += point => _scaler.OnInterval(point.FunctionName, ScalingMetrics.From(point));
            // As the server does: a closed interval is weighed at once, not at the next tick.
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < _dispatchers.Length; i++)
            {
                index.TryAdd(_dispatchers[i].Name, i);
            }

            _metrics.IntervalClosed += point =>
            {
                if (index.TryGetValue(point.FunctionName, out var i) && _provisions[i] is { } record)
                {
                    _scaler.Apply(record, _dispatchers[i], _time.GetUtcNow());
                }
            };
        }

        public SimulationResult Execute()
        {
            var wall = Stopwatch.StartNew();
            for (var i = 0; i < _dispatchers.Length; i++)
            {
                if (_provisions[i] is { } record)
                {
                    var decision = _scaler.Evaluate(record, 0, _time.GetUtcNow());
                    _dispatchers[i].SetProvision(decision.Target, ProvisionRules.IdleMode(record, _dispatchers[i].Record.Spec));
                }
            }

            _arrivals = _settings.Requests().GetEnumerator();
            NextArrival();
            _time.Schedule(RegistryTick, _ => RegistryTickEvent(), null);
            _time.Schedule(_metrics.SamplePeriod, _ => MetricsTickEvent(), null);
            _time.ScheduleAt(_warmup + _settings.TimelineStep.Ticks, _ => TimelineEvent(), null);
            _time.Schedule(MeterFold, _ => MeterFoldEvent(), null);

            var steps = 0L;
            var (stuckAt, stuckSteps) = (-1L, 0L);
            while (!(_arrivalsDone && _outstanding == 0) && _time.RunNext())
            {
                if (_time.Hop is { } offThread)
                {
                    throw new InvalidOperationException(offThread);
                }

                if ((++steps & 0xFFFF) == 0)
                {
                    _cancellation.ThrowIfCancellationRequested();
                }

                // Events that keep scheduling each other at one instant would never let the clock move: say so.
                (stuckAt, stuckSteps) = _time.Now == stuckAt ? (stuckAt, stuckSteps + 1) : (_time.Now, 0);
                if (stuckSteps > 1_000_000)
                {
                    throw new InvalidOperationException($"the simulation does not advance: a million events at {_time.Elapsed}; {_outstanding} requests outstanding; the last was {_time.Describe()}");
                }
            }

            if (_time.Hop is { } hop)
            {
                throw new InvalidOperationException(hop);
            }

            var end = _time.Elapsed - TimeSpan.FromTicks(_warmup);
            Timeline(); // the last, partial step
            FoldMeter(final: true);
            _arrivals.Dispose();
            return Result(end, wall.Elapsed);
        }

        private static void Check(SimulationSettings settings)
        {
            if (settings.Functions.Count == 0)
            {
                throw new ArgumentException("a simulation needs at least one function");
            }

            foreach (var (name, d) in new[] { ("cold start", settings.ColdStart), ("initialize", settings.Initialize), ("thaw", settings.Thaw), ("request overhead", settings.RequestOverhead) })
            {
                if (d.MinMs < 0 || d.MaxMs < 0 || d.MaxMs < d.MinMs || double.IsNaN(d.MinMs) || double.IsNaN(d.MaxMs))
                {
                    throw new ArgumentException($"the {name} time {d.MinMs}..{d.MaxMs} ms is not a range of non-negative times");
                }
            }

            if (settings.TimelineStep <= TimeSpan.Zero)
            {
                throw new ArgumentException("the timeline step must be positive");
            }
        }

        /// <summary>A spec that names only an image (for the Kubernetes runtime) still simulates: the process is never run.</summary>
        private static FunctionSpec Runnable(FunctionSpec spec)
        {
            var container = spec.CustomContainerConfig ?? new CustomContainerConfig();
            return container.Command is { Count: > 0 } || container.Entrypoint is { Count: > 0 }
                ? spec with { Code = spec.Code ?? "/" }
                : spec with { Code = spec.Code ?? "/", CustomContainerConfig = container with { Command = ["simulated"] } };
        }

        /// <summary>The function's provision config in this mode: as given with idle mode on or off, or none at all.</summary>
        private static ProvisionRecord? Provision(string name, ProvisionConfigInput? input, SimulationMode mode, DateTimeOffset now)
        {
            if (input is null || mode == SimulationMode.OnDemand)
            {
                return null;
            }

            var errors = ProvisionRules.Validate(input, ProvisionRules.Latest);
            if (errors.Count > 0)
            {
                throw new ArgumentException($"the provision config of {name} is not valid: {string.Join(" ", errors)}");
            }

            var always = mode == SimulationMode.AlwaysAllocated;
            return ProvisionRules.Apply(null, name, ProvisionRules.Latest, input with { AlwaysAllocateCPU = always, AlwaysAllocateGPU = always }, now);
        }

        /// <summary>Instance work runs as its own event at the current instant, after what is already due, as it runs off the caller in the server.</summary>
        private Task Spawn(Func<Task> work)
        {
            var started = new TaskCompletionSource<Task>();
            _time.Schedule(TimeSpan.Zero, static s =>
            {
                var (w, tcs) = ((Func<Task>, TaskCompletionSource<Task>))s!;
                try
                {
                    tcs.SetResult(w());
                }
                catch (Exception e)
                {
                    tcs.SetResult(Task.FromException(e));
                }
            }, (work, started));
            return started.Task.Unwrap();
        }

        private void NextArrival()
        {
            if (_arrivals!.MoveNext())
            {
                var request = _arrivals.Current;
                if ((uint)request.Function >= (uint)_dispatchers.Length)
                {
                    throw new ArgumentException($"request {_requests + 1} names function {request.Function}; there are {_dispatchers.Length}");
                }

                if (request.ServiceMs < 0 || double.IsNaN(request.ServiceMs))
                {
                    throw new ArgumentException($"request {_requests + 1} has a service time of {request.ServiceMs} ms");
                }

                _time.ScheduleAt(_warmup + request.At.Ticks, static s => ((ArrivalEvent)s!).Run.Arrive(((ArrivalEvent)s).Request), new ArrivalEvent(this, request));
            }
            else
            {
                _arrivalsDone = true;
            }
        }

        private sealed record ArrivalEvent(SimulationRun Run, SimulatedRequest Request);

        private void Arrive(SimulatedRequest request)
        {
            _requests++;
            _stepArrivals++;
            NextArrival();
            Acquire(new Pending(request, _time.Now));
        }

        private void Acquire(Pending pending)
        {
            var dispatcher = _dispatchers[pending.Request.Function];
            // The gateway's one call: a slot on an instance ready for the request, thawed (or rerouted) inside it.
            var acquired = dispatcher.AcquireReadyAsync(new ReadyRequest("simulated"), Timeout.InfiniteTimeSpan, CancellationToken.None);
            if (acquired.IsCompletedSuccessfully)
            {
                _outstanding++;
                Serve(pending, acquired.Result);
                return;
            }

            if (acquired.IsCompleted)
            {
                _ = acquired.AsTask().Exception; // refused at once: the queue is full, or no instance may run
                _refused++;
                return;
            }

            // Handed a slot later, inside the dispatcher (under its lock), or thawed later: continue as an event of its own.
            _outstanding++;
            acquired.AsTask().ContinueWith(static (t, s) =>
            {
                var p = (Pending)s!;
                p.Run!._time.Schedule(TimeSpan.Zero, static x => ((Pending)x!).Run!.AfterWait((Pending)x), p with { Waited = t });
            }, pending with { Run = this }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        private void AfterWait(Pending pending)
        {
            if (pending.Waited is { IsCompletedSuccessfully: true } t)
            {
                Serve(pending, t.Result);
            }
            else
            {
                _ = pending.Waited?.Exception;
                _outstanding--;
                _refused++; // no instance could start, the function was closed, or every thaw failed
            }
        }

        private void Serve(Pending pending, Lease lease)
        {
            switch (lease.Arrival)
            {
                case Arrival.Cold:
                    _coldStarts++;
                    break;
                case Arrival.Thawed:
                    _thaws++;
                    break;
            }

            _waits.Add(TimeSpan.FromTicks(lease.DispatchedAt - pending.ArrivedAt).TotalMilliseconds);
            _time.Schedule(TimeSpan.FromMilliseconds(pending.Request.ServiceMs) + _settings.RequestOverhead.Sample(_random), static s =>
            {
                var (p, l) = ((Pending, Lease))s!;
                p.Run!.Done(p, l);
            }, (pending with { Run = this }, lease));
        }

        private void Done(Pending pending, Lease lease)
        {
            lease.Dispose();
            _outstanding--;
            var latency = TimeSpan.FromTicks(_time.Now - pending.ArrivedAt).TotalMilliseconds;
            _latencies.Add(latency);
            _stepLatencies.Add(latency);
        }

        private void RegistryTickEvent()
        {
            var now = _time.GetUtcNow();
            for (var i = 0; i < _dispatchers.Length; i++)
            {
                if (_provisions[i] is { } record)
                {
                    _scaler.Apply(record, _dispatchers[i], now);
                }

                _dispatchers[i].Tick(now);
            }

            _time.Schedule(RegistryTick, _ => RegistryTickEvent(), null);
        }

        private void MetricsTickEvent()
        {
            _metrics.Tick();
            _time.Schedule(_metrics.SamplePeriod, _ => MetricsTickEvent(), null);
        }

        private void TimelineEvent()
        {
            Timeline();
            _time.Schedule(_settings.TimelineStep, _ => TimelineEvent(), null);
        }

        private void Timeline()
        {
            var (starting, warm, busy, frozen, target, current) = (0, 0, 0, 0, 0, 0);
            foreach (var dispatcher in _dispatchers)
            {
                var counts = dispatcher.Status().Counts;
                starting += counts.Starting;
                warm += counts.Ready;
                busy += counts.Busy;
                frozen += counts.Frozen;
                var provision = dispatcher.ProvisionState();
                target += provision.Target;
                current += provision.Current;
            }

            _timeline.Add(new SimulationPoint(_time.Elapsed - TimeSpan.FromTicks(_warmup), _stepArrivals, _stepLatencies.Count > 0 ? _stepLatencies.Percentile(0.9) : null,
                starting, warm, busy, frozen, target, current));
            _stepArrivals = 0;
            _stepLatencies.Clear();
        }

        private void MeterFoldEvent()
        {
            FoldMeter(final: false);
            _time.Schedule(MeterFold, _ => MeterFoldEvent(), null);
        }

        /// <summary>The meter's closed intervals go into the bill as they come, so a long run holds no ledger; at the end the open ones close now.</summary>
        private void FoldMeter(bool final)
        {
            // The warm-up is not billed: the bill covers the trace, from Start.
            var batch = _meter.TakeBatch();
            foreach (var interval in batch.Closed)
            {
                if (Bill.Clip(interval, _settings.Start, DateTimeOffset.MaxValue) is { } billed)
                {
                    _bill.Add(billed, _settings.Prices);
                }
            }

            if (final)
            {
                var end = _time.GetUtcNow();
                foreach (var open in batch.Open)
                {
                    if (open.CloseAt(end) is { } closed && Bill.Clip(closed, _settings.Start, end) is { } billed)
                    {
                        _bill.Add(billed, _settings.Prices);
                    }
                }
            }
        }

        private SimulationResult Result(TimeSpan span, TimeSpan elapsed)
        {
            var bill = _bill.Fill(new BillTotal(), _settings.Prices);
            return new SimulationResult
            {
                Mode = _settings.Mode,
                Requests = _requests,
                Served = _latencies.Count,
                Refused = _refused,
                LatencyP50Ms = _latencies.Percentile(0.5),
                LatencyP90Ms = _latencies.Percentile(0.9),
                LatencyP99Ms = _latencies.Percentile(0.99),
                QueueWaitP50Ms = _waits.Percentile(0.5),
                QueueWaitP90Ms = _waits.Percentile(0.9),
                QueueWaitP99Ms = _waits.Percentile(0.99),
                ColdStarts = _coldStarts,
                Thaws = _thaws,
                InstancesStarted = _runtime.Started,
                IdleSeconds = (double)bill.IdleSeconds,
                ActiveSeconds = (double)bill.ActiveSeconds,
                Cu = bill.Cu,
                Cost = bill.CostUsd,
                Span = span,
                Elapsed = elapsed,
                Timeline = _timeline,
            };
        }

        /// <summary>A request on its way: when it arrived (virtual ticks).</summary>
        private sealed record Pending(SimulatedRequest Request, long ArrivedAt)
        {
            public SimulationRun? Run { get; init; }

            public Task<Lease>? Waited { get; init; }
        }
    }

    /// <summary>The simulator keeps no instance records, logs or decision history.</summary>
    private sealed class NoJournal : IInstanceJournal, IFunctionLog, IScalingJournal
    {
        public static NoJournal Instance { get; } = new();

        public void Record(InstanceInfo instance)
        {
        }

        public void Write(string functionName, string line)
        {
        }

        public string InstanceLogPath(string functionName, string instanceId) => "/dev/null";

        public void Record(string functionName, ScalingDecision decision, int previousTarget)
        {
        }

        public void Forget(string functionName)
        {
        }
    }
}
