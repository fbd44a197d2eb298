using Stasis.Server.Runtime;

namespace Stasis.Tests.TestKit;

/// <summary>A runtime instance whose CPU time, memory and processes a test sets, for the metrics collector to read.</summary>
internal sealed class MeasuredInstance(string id) : IRuntimeInstance, IInstanceUsage
{
    public string InstanceId => id;
    public int? ProcessId => Pids.FirstOrDefault();
    public HttpMessageInvoker Invoker { get; } = new(new HttpClientHandler());
    public Uri BaseAddress { get; } = new("http://127.0.0.1:9000/");
    public Task<InstanceExit> Exited { get; } = new TaskCompletionSource<InstanceExit>().Task;

    public TimeSpan? CpuTime { get; set; } = TimeSpan.Zero;
    public long? MemoryBytes { get; set; }
    public List<int> Pids { get; set; } = [];

    public InstanceUsage ReadUsage() => new(CpuTime, MemoryBytes);

    public IReadOnlyCollection<int> ProcessIds() => Pids;

    public Task StopAsync(TimeSpan grace, CancellationToken cancellationToken) => Task.CompletedTask;
    public Task FreezeAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task ThawAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync()
    {
        Invoker.Dispose();
        return ValueTask.CompletedTask;
    }
}
