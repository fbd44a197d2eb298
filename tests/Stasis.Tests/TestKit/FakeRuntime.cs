using System.Collections.Concurrent;
using System.Net;
using Stasis.Server.Runtime;

namespace Stasis.Tests.TestKit;

/// <summary>
/// A runtime whose instances are in-memory: starts succeed at once unless a test holds them with
/// <see cref="HoldStarts"/> or fails them with <see cref="FailStartsWith"/>; HTTP goes to <see cref="Handler"/>.
/// </summary>
internal sealed class FakeRuntime : IInstanceRuntime
{
    private TaskCompletionSource? _gate;

    public string Name => "fake";

    public ConcurrentQueue<InstanceLaunch> Launches { get; } = new();

    public ConcurrentDictionary<string, FakeInstance> Instances { get; } = new();

    /// <summary>Answers every request an instance gets, /initialize included.</summary>
    public Func<HttpRequestMessage, HttpResponseMessage> Handler { get; set; } = _ => new HttpResponseMessage(HttpStatusCode.OK);

    public string? FailStartsWith { get; set; }

    public Task<IReadOnlyList<string>> StopOrphansAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<string>>([]);

    /// <summary>When set, thaws fail with this message (as when the process died while frozen).</summary>
    public string? FailThawsWith { get; set; }

    /// <summary>How many thaws from now on fail (one instance's, then another's), after which thaws work.</summary>
    public int FailNextThaws { get => Volatile.Read(ref _failNextThaws); set => Volatile.Write(ref _failNextThaws, value); }

    private int _failNextThaws;

    /// <summary>When set, freezes fail with this message.</summary>
    public string? FailFreezesWith { get; set; }

    public IReadOnlyDictionary<string, string> Describe() => new Dictionary<string, string> { ["isolation"] = "none" };

    /// <summary>Starts wait until <see cref="ReleaseStarts"/>.</summary>
    public void HoldStarts() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ReleaseStarts() => _gate?.TrySetResult();

    public async Task<IRuntimeInstance> StartAsync(InstanceLaunch launch, CancellationToken cancellationToken)
    {
        Launches.Enqueue(launch);
        if (_gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        if (FailStartsWith is { } failure)
        {
            throw new InstanceStartException(failure, "last line of output");
        }

        var instance = new FakeInstance(launch.InstanceId, this);
        Instances[launch.InstanceId] = instance;
        return instance;
    }

    internal sealed class FakeInstance(string id, FakeRuntime runtime) : IRuntimeInstance
    {
        private readonly TaskCompletionSource<InstanceExit> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string InstanceId => id;
        public int? ProcessId => 4242;
        public HttpMessageInvoker Invoker { get; } = new(new DelegateHandler(r => runtime.Handler(r)));
        public Uri BaseAddress { get; } = new("http://127.0.0.1:9000/");
        public Task<InstanceExit> Exited => _exited.Task;
        public bool Stopped { get; private set; }

        /// <summary>The process dies on its own.</summary>
        public void Crash() => _exited.TrySetResult(new InstanceExit(137, "killed by signal 9"));

        public Task StopAsync(TimeSpan grace, CancellationToken cancellationToken)
        {
            Stopped = true;
            _exited.TrySetResult(new InstanceExit(0, "stopped"));
            return Task.CompletedTask;
        }

        public bool Frozen { get; private set; }

        public int Freezes { get; private set; }

        public int Thaws { get; private set; }

        public Task FreezeAsync(CancellationToken cancellationToken)
        {
            if (runtime.FailFreezesWith is { } failure)
            {
                throw new InstanceFreezeException(failure);
            }

            Frozen = true;
            Freezes++;
            return Task.CompletedTask;
        }

        public Task ThawAsync(CancellationToken cancellationToken)
        {
            if (_exited.Task.IsCompleted || runtime.FailThawsWith is not null)
            {
                throw new InstanceFreezeException(runtime.FailThawsWith ?? "the instance's process is gone");
            }

            if (Interlocked.Decrement(ref runtime._failNextThaws) >= 0)
            {
                throw new InstanceFreezeException("thaw refused (FailNextThaws)");
            }

            Frozen = false;
            Thaws++;
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class DelegateHandler(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(answer(request));
    }
}
