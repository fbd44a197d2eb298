namespace Stasis.Server.Runtime.Process;

public sealed partial class ProcessRuntime
{
    // Interim: orphan discovery by cgroup scope replaces this file.
    public Task<IReadOnlyList<string>> StopOrphansAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>([]);
}
