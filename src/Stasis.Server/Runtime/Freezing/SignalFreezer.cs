using Stasis.Server.Runtime.Process;

namespace Stasis.Server.Runtime.Freezing;

/// <summary>
/// The last resort, where no cgroup freezer can be used: SIGSTOP to the instance's process group (the
/// main process leads one, through setsid) and to every pid its cgroups hold, SIGCONT to thaw. Its
/// flaws are why it comes last: a process can see it (its parent gets SIGCHLD, some blocking calls
/// return EINTR on resume), and a process that left the group and has no cgroup is missed.
/// </summary>
internal sealed class SignalFreezer : IFreezer
{
    public FreezerKind Kind => FreezerKind.Sigstop;

    public IInstanceFreezer Attach(FreezeTarget target) => new Instance(target);

    private sealed class Instance(FreezeTarget target) : IInstanceFreezer
    {
        private readonly ProcessTree _tree = new(target.MainPid, target.MainExited, target.Cgroups, target.OwnProcessGroup);

        public FreezerKind Kind => FreezerKind.Sigstop;

        public async Task FreezeAsync(CancellationToken cancellationToken)
        {
            _tree.Signal(LibC.SigStop, broad: true);
            bool stopped;
            try
            {
                stopped = await FreezeWait.UntilAsync(AllStopped, target.Time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Thaw();
                throw;
            }

            if (!stopped)
            {
                Thaw();
                throw new InstanceFreezeException(
                    $"the processes of instance {target.InstanceId} did not all stop within {FreezeWait.Bound.TotalSeconds:0} s; they were left running");
            }
        }

        public void Thaw() => _tree.Signal(LibC.SigCont, broad: true);

        public void Dispose()
        {
        }

        private bool AllStopped()
        {
            var all = true;
            foreach (var pid in Members())
            {
                if (!ProcStat.IsStoppedOrGone(pid))
                {
                    all = false;
                    // A child forked after the first signal went out runs on until it gets its own.
                    LibC.Signal(pid, LibC.SigStop);
                }
            }

            return all;
        }

        private IEnumerable<int> Members()
        {
            var mainRuns = !target.MainExited.IsCompleted;
            if (target.Cgroups.TracksProcesses)
            {
                var pids = target.Cgroups.ReadPids();
                if (mainRuns)
                {
                    pids.Add(target.MainPid);
                }

                return pids;
            }

            if (target.OwnProcessGroup)
            {
                return ProcStat.GroupMembers(target.MainPid);
            }

            return mainRuns ? [target.MainPid] : [];
        }
    }
}
