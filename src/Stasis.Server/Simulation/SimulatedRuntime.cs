using System.Net;
using Stasis.Server.Runtime;

namespace Stasis.Server.Simulation;

/// <summary>
/// Instances that exist only in virtual time: a start takes a drawn cold-start time, <c>/initialize</c>
/// a drawn initialize time, a thaw a drawn thaw time; everything else answers at once. The
/// dispatcher drives them through the same <see cref="IInstanceRuntime"/> it drives processes with.
/// </summary>
internal sealed class SimulatedRuntime(VirtualTime time, SimulationSettings settings, Random random) : IInstanceRuntime
{
    public string Name => "simulated";

    private TimeSpan ThawTime() => settings.Thaw.Sample(random);

    private TimeSpan InitializeTime() => settings.Initialize.Sample(random);

    /// <summary>Instances started so far.</summary>
    public long Started { get; private set; }

    public IReadOnlyDictionary<string, string> Describe() => new Dictionary<string, string> { ["isolation"] = "none (simulated)" };

    public Task<IReadOnlyList<string>> StopOrphansAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<string>>([]);

    public Task<IRuntimeInstance> StartAsync(InstanceLaunch launch, CancellationToken cancellationToken)
    {
        Started++;
        var ready = new TaskCompletionSource<IRuntimeInstance>();
        var instance = new SimulatedInstance(launch.InstanceId, this);
        time.Schedule(settings.ColdStart.Sample(random), static s =>
        {
            var (tcs, i) = ((TaskCompletionSource<IRuntimeInstance>, SimulatedInstance))s!;
            tcs.TrySetResult(i);
        }, (ready, instance));
        return ready.Task;
    }

    /// <summary>Completes after <paramref name="delay"/> of virtual time.</summary>
    private Task After(TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            return Task.CompletedTask;
        }

        var done = new TaskCompletionSource();
        time.Schedule(delay, static s => ((TaskCompletionSource)s!).TrySetResult(), done);
        return done.Task;
    }

    private sealed class SimulatedInstance : IRuntimeInstance
    {
        private static readonly Uri Address = new("http://simulated/");
        private readonly TaskCompletionSource<InstanceExit> _exited = new();
        private readonly SimulatedRuntime _runtime;

        public SimulatedInstance(string id, SimulatedRuntime runtime)
        {
            InstanceId = id;
            _runtime = runtime;
            Invoker = new HttpMessageInvoker(new Hooks(runtime), disposeHandler: true);
        }

        public string InstanceId { get; }

        public int? ProcessId => null;

        public HttpMessageInvoker Invoker { get; }

        public Uri BaseAddress => Address;

        public Task<InstanceExit> Exited => _exited.Task;

        public Task StopAsync(TimeSpan grace, CancellationToken cancellationToken)
        {
            _exited.TrySetResult(new InstanceExit(0, "stopped"));
            return Task.CompletedTask;
        }

        public Task FreezeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task ThawAsync(CancellationToken cancellationToken) => _runtime.After(_runtime.ThawTime());

        public ValueTask DisposeAsync()
        {
            Invoker.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>The lifecycle hooks: <c>/initialize</c> takes the drawn initialize time; the rest answer 200 at once.</summary>
    private sealed class Hooks(SimulatedRuntime runtime) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri?.AbsolutePath == "/initialize")
            {
                await runtime.After(runtime.InitializeTime()).ConfigureAwait(false);
            }

            return new HttpResponseMessage(HttpStatusCode.OK);
        }
    }
}
