using System.Globalization;
using Prometheus;
using Stasis.Server.Instances;
using Stasis.Server.Scheduling;

namespace Stasis.Server.Metrics;

/// <summary>
/// The Prometheus exposition at <c>/metrics</c> (text format 0.0.4), in a registry of this server's own so that two
/// servers in one process never mix their series. Counters and histograms move with each invocation; gauges of the
/// current state with each load sample (every second); gauges of utilization with each closed interval. An instance's
/// series go when it stops, a function's when it is removed, and a figure that is unavailable has no series rather
/// than a zero. docs/metrics.md lists the names.
/// </summary>
internal sealed class PrometheusMetrics
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private static readonly string[] Function = ["function"];
    private static readonly string[] FunctionInstance = ["function", "instance"];
    private static readonly string[] States = ["starting", "ready", "busy", "frozen", "draining"];

    private readonly CollectorRegistry _registry = Prometheus.Metrics.NewCustomRegistry();
    private readonly Dictionary<string, HashSet<string>> _instances = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public PrometheusMetrics()
    {
        var factory = Prometheus.Metrics.WithCustomRegistry(_registry);
        Invocations = factory.CreateCounter("stasis_function_invocations_total", "Invocations answered by the gateway, by status class (2xx, 4xx, 5xx).", ["function", "status_class"]);
        Errors = factory.CreateCounter("stasis_function_errors_total", "Invocations answered 5xx or marked failed by the function (x-fc-status).", Function);
        Duration = factory.CreateHistogram("stasis_function_request_duration_seconds", "Gateway latency of invocations, from arrival to the end of the answer.", Function,
            new HistogramConfiguration { Buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300] });
        QueueWait = factory.CreateHistogram("stasis_function_queue_wait_seconds", "Time invocations waited for a slot on an instance (zero when one was free).", Function,
            new HistogramConfiguration { Buckets = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300] });
        _inFlight = factory.CreateGauge("stasis_function_in_flight", "Requests in flight on the function's instances.", Function);
        _queued = factory.CreateGauge("stasis_function_queued", "Requests waiting for a slot.", Function);
        _target = factory.CreateGauge("stasis_function_provisioned_target", "Provision target.", Function);
        _current = factory.CreateGauge("stasis_function_provisioned_current", "Provisioned instances of the current version ready to serve.", Function);
        _byState = factory.CreateGauge("stasis_function_instances", "Live instances by state.", ["function", "state"]);
        _pcu = factory.CreateGauge("stasis_function_provisioned_concurrency_utilization", "In-flight on provisioned instances / their slots, mean over the last closed interval.", Function);
        _cpu = factory.CreateGauge("stasis_function_cpu_utilization", "Mean CPU utilization of the instances over the last closed interval (1 = each instance's whole CPU).", Function);
        _memory = factory.CreateGauge("stasis_function_memory_bytes", "Memory of all instances at the last interval's close.", Function);
        _gpu = factory.CreateGauge("stasis_function_gpu_memory_utilization", "GPU memory held / GPU memory asked for, at the last interval's close.", Function);
        _instanceCpu = factory.CreateGauge("stasis_instance_cpu_utilization", "CPU utilization of an instance over the last closed interval (1 = its whole CPU).", FunctionInstance);
        _instanceMemory = factory.CreateGauge("stasis_instance_memory_bytes", "Memory charged to an instance's cgroup.", FunctionInstance);
        _instanceGpu = factory.CreateGauge("stasis_instance_gpu_memory_bytes", "GPU memory an instance's processes hold.", FunctionInstance);
        _instanceInFlight = factory.CreateGauge("stasis_instance_in_flight", "Requests in flight on an instance.", FunctionInstance);
    }

    internal Counter Invocations { get; }

    internal Counter Errors { get; }

    internal Histogram Duration { get; }

    internal Histogram QueueWait { get; }

    private readonly Gauge _inFlight;
    private readonly Gauge _queued;
    private readonly Gauge _target;
    private readonly Gauge _current;
    private readonly Gauge _byState;
    private readonly Gauge _pcu;
    private readonly Gauge _cpu;
    private readonly Gauge _memory;
    private readonly Gauge _gpu;
    private readonly Gauge _instanceCpu;
    private readonly Gauge _instanceMemory;
    private readonly Gauge _instanceGpu;
    private readonly Gauge _instanceInFlight;

    /// <summary>The per-invocation series of one function, resolved once.</summary>
    public FunctionSeries For(string function) => new(this, function);

    /// <summary>Gauges of the current state, from a load sample; the series of instances no longer in it go.</summary>
    public void Sampled(LoadSample sample)
    {
        var f = sample.FunctionName;
        var states = new int[States.Length];
        var inFlight = 0;
        var live = new HashSet<string>(StringComparer.Ordinal);
        foreach (var instance in sample.Instances)
        {
            inFlight += instance.InFlight;
            live.Add(instance.InstanceId);
            var state = StateIndex(instance.State);
            if (state >= 0)
            {
                states[state]++;
            }

            _instanceInFlight.WithLabels(f, instance.InstanceId).Set(instance.InFlight);
        }

        _inFlight.WithLabels(f).Set(inFlight);
        _queued.WithLabels(f).Set(sample.Waiting);
        _target.WithLabels(f).Set(sample.ProvisionedTarget);
        _current.WithLabels(f).Set(sample.ProvisionedCurrent);
        for (var i = 0; i < States.Length; i++)
        {
            _byState.WithLabels(f, States[i]).Set(states[i]);
        }

        lock (_gate)
        {
            if (_instances.TryGetValue(f, out var known))
            {
                foreach (var gone in known.Where(id => !live.Contains(id)).ToList())
                {
                    RemoveInstance(f, gone);
                }
            }

            _instances[f] = live;
        }
    }

    /// <summary>Gauges of utilization from a closed interval; a null figure removes its series.</summary>
    public void Closed(ClosedInterval closed)
    {
        var point = closed.Function;
        var f = point.FunctionName;
        SetOrRemove(_pcu, point.ProvisionedConcurrencyUtilization, f);
        SetOrRemove(_cpu, point.CpuUtilization, f);
        SetOrRemove(_memory, point.MemoryBytes, f);
        SetOrRemove(_gpu, point.GpuMemoryUtilization, f);
        lock (_gate)
        {
            var live = _instances.GetValueOrDefault(f);
            foreach (var instance in closed.Instances)
            {
                if (live is null || !live.Contains(instance.InstanceId))
                {
                    continue; // stopped since: its series are gone and stay gone
                }

                SetOrRemove(_instanceCpu, instance.CpuUtilization, f, instance.InstanceId);
                SetOrRemove(_instanceMemory, instance.MemoryBytes, f, instance.InstanceId);
                SetOrRemove(_instanceGpu, instance.GpuMemoryBytes, f, instance.InstanceId);
            }
        }
    }

    /// <summary>Removes every series of a function that was removed.</summary>
    public void RemoveFunction(string function)
    {
        foreach (var status in new[] { "1xx", "2xx", "3xx", "4xx", "5xx" })
        {
            Invocations.RemoveLabelled(function, status);
        }

        foreach (var gauge in new Collector<Gauge.Child>[] { _inFlight, _queued, _target, _current, _pcu, _cpu, _memory, _gpu })
        {
            gauge.RemoveLabelled(function);
        }

        Errors.RemoveLabelled(function);
        Duration.RemoveLabelled(function);
        QueueWait.RemoveLabelled(function);
        foreach (var state in States)
        {
            _byState.RemoveLabelled(function, state);
        }

        lock (_gate)
        {
            if (_instances.Remove(function, out var known))
            {
                foreach (var id in known)
                {
                    RemoveInstance(function, id);
                }
            }
        }
    }

    /// <summary>The connection gauges and refusal counters, read from <paramref name="gate"/> as each scrape is collected.</summary>
    public void Watch(Hosting.Connections.ConnectionGate gate)
    {
        var factory = Prometheus.Metrics.WithCustomRegistry(_registry);
        var open = factory.CreateGauge("stasis_connections_open", "Client connections open.");
        var limit = factory.CreateGauge("stasis_connections_limit", "Most client connections open at once (limits.maxConnections).");
        var refused = factory.CreateCounter("stasis_connections_refused_total",
            "Client connections refused at once with 503 TooManyConnections: reason server (the server's cap) or address (the per-address cap; behind a trusted proxy, a forwarded client's requests).", ["reason"]);
        var server = refused.WithLabels("server");
        var address = refused.WithLabels("address");
        _registry.AddBeforeCollectCallback(() =>
        {
            open.Set(gate.Open);
            limit.Set(gate.MaxConnections);
            server.IncTo(gate.RefusedServerLimit);
            address.IncTo(gate.RefusedAddressLimit);
        });
    }

    public Task WriteAsync(Stream output, CancellationToken cancellationToken) => _registry.CollectAndExportAsTextAsync(output, cancellationToken);

    public static string StatusClass(int status) => status is >= 100 and <= 599
        ? (status / 100).ToString(CultureInfo.InvariantCulture) + "xx"
        : "5xx";

    private void RemoveInstance(string function, string id)
    {
        _instanceInFlight.RemoveLabelled(function, id);
        _instanceCpu.RemoveLabelled(function, id);
        _instanceMemory.RemoveLabelled(function, id);
        _instanceGpu.RemoveLabelled(function, id);
    }

    private static void SetOrRemove(Gauge gauge, double? value, params string[] labels)
    {
        if (value is { } v)
        {
            gauge.WithLabels(labels).Set(v);
        }
        else
        {
            gauge.RemoveLabelled(labels);
        }
    }

    private static int StateIndex(InstanceState state) => state switch
    {
        InstanceState.Starting or InstanceState.Initializing => 0,
        InstanceState.Ready => 1,
        InstanceState.Busy or InstanceState.Thawing => 2,
        InstanceState.Frozen => 3,
        InstanceState.Draining => 4,
        _ => -1,
    };
}

/// <summary>One function's per-invocation series, so the gateway's path does no label look-up.</summary>
internal sealed class FunctionSeries
{
    private readonly Counter.Child[] _byClass;
    private readonly Counter.Child _errors;
    private readonly Histogram.Child _duration;
    private readonly Histogram.Child _queueWait;
    private readonly PrometheusMetrics _owner;
    private readonly string _function;

    public FunctionSeries(PrometheusMetrics owner, string function)
    {
        _owner = owner;
        _function = function;
        _byClass = new Counter.Child[5];
        _errors = owner.Errors.WithLabels(function);
        _duration = owner.Duration.WithLabels(function);
        _queueWait = owner.QueueWait.WithLabels(function);
    }

    public void Invoked(int status, bool error, TimeSpan latency, TimeSpan? queueWait)
    {
        var index = status is >= 100 and <= 599 ? status / 100 - 1 : 4;
        var counter = _byClass[index] ??= _owner.Invocations.WithLabels(_function, PrometheusMetrics.StatusClass(status));
        counter.Inc();
        if (error)
        {
            _errors.Inc();
        }

        _duration.Observe(latency.TotalSeconds);
        if (queueWait is { } wait)
        {
            _queueWait.Observe(wait.TotalSeconds);
        }
    }
}
