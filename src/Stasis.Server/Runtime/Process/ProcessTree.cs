using Stasis.Server.Runtime.Cgroups;

namespace Stasis.Server.Runtime.Process;

/// <summary>
/// Every process of one instance: the main process, and what its cgroups hold; without cgroups, its
/// process group (the main process leads one, through setsid).
/// </summary>
internal sealed class ProcessTree(int mainPid, Task mainExited, InstanceCgroups cgroups, bool ownProcessGroup)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan KillBound = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Signals each process once. <paramref name="broad"/> adds the process group on top of the cgroups,
    /// for SIGKILL, where a duplicate does no harm and a process that missed its group must not survive.
    /// </summary>
    public void Signal(int signal, bool broad = false)
    {
        // The main pid is ours until .NET reaps it, so it cannot have been reused while it runs, nor
        // the process group it leads.
        var mainRuns = !mainExited.IsCompleted;
        if (cgroups.TracksProcesses)
        {
            var pids = cgroups.ReadPids();
            if (mainRuns)
            {
                pids.Add(mainPid);
            }

            foreach (var pid in pids)
            {
                LibC.Signal(pid, signal);
            }

            if (broad && ownProcessGroup && mainRuns)
            {
                LibC.Signal(-mainPid, signal);
            }
        }
        else if (ownProcessGroup)
        {
            LibC.Signal(-mainPid, signal);
        }
        else if (mainRuns)
        {
            LibC.Signal(mainPid, signal);
        }
    }

    public bool IsGone()
    {
        if (!mainExited.IsCompleted)
        {
            return false;
        }

        if (cgroups.TracksProcesses)
        {
            return cgroups.ReadPids().Count == 0;
        }

        return !ownProcessGroup || !LibC.Exists(-mainPid);
    }

    public async Task<bool> WaitGoneAsync(TimeSpan bound, TimeProvider time)
    {
        var started = time.GetTimestamp();
        while (!IsGone())
        {
            if (time.GetElapsedTime(started) >= bound)
            {
                return false;
            }

            await Task.Delay(PollInterval, time).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>SIGKILLs everything, again until nothing is left (a fork can race a pid-by-pid kill); false if something survives.</summary>
    public async Task<bool> KillAsync(TimeProvider time)
    {
        var started = time.GetTimestamp();
        do
        {
            // cgroup.kill takes the whole group at once; the signals also cover a main process that
            // had not joined its group yet.
            cgroups.TryKillAll();
            Signal(LibC.SigKill, broad: true);
            if (await WaitGoneAsync(TimeSpan.FromMilliseconds(200), time).ConfigureAwait(false))
            {
                return true;
            }
        }
        while (time.GetElapsedTime(started) < KillBound);

        return false;
    }
}
