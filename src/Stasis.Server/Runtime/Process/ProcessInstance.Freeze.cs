namespace Stasis.Server.Runtime.Process;

public sealed partial class ProcessInstance
{
    // Interim freezer: cgroup v2 only. The full chain (v1 freezer, SIGSTOP, cuda-checkpoint) replaces this file.
    public async Task FreezeAsync(CancellationToken cancellationToken)
    {
        var group = CgroupV2Path ?? throw new InstanceFreezeException("this instance has no cgroup v2 group to freeze");
        await File.WriteAllTextAsync(Path.Combine(group, "cgroup.freeze"), "1", cancellationToken).ConfigureAwait(false);
    }

    public async Task ThawAsync(CancellationToken cancellationToken)
    {
        if (Exited.IsCompleted)
        {
            throw new InstanceFreezeException("the instance's process is gone");
        }

        var group = CgroupV2Path ?? throw new InstanceFreezeException("this instance has no cgroup v2 group to thaw");
        await File.WriteAllTextAsync(Path.Combine(group, "cgroup.freeze"), "0", cancellationToken).ConfigureAwait(false);
    }
}
