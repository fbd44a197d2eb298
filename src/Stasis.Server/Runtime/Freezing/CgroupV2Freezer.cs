using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Stasis.Server.Runtime.Freezing;

/// <summary>
/// Freezes with the cgroup v2 freezer: write 1 to the instance group's <c>cgroup.freeze</c>, then wait
/// for <c>frozen 1</c> in its <c>cgroup.events</c>. Unlike SIGSTOP it catches every descendant at once,
/// no fork escapes it, and the processes cannot tell (no SIGCHLD to the parent, no EINTR on resume).
/// </summary>
internal sealed class CgroupV2Freezer(SignalFreezer fallback, ILogger logger) : IFreezer
{
    public FreezerKind Kind => FreezerKind.CgroupV2;

    public IInstanceFreezer Attach(FreezeTarget target)
    {
        if (target.Cgroups.V2Path is not { } group || !target.Cgroups.Holds(group))
        {
            FreezerLog.NotInGroup(logger, target.InstanceId, target.Cgroups.V2Path ?? "(none)");
            return fallback.Attach(target);
        }

        return new Instance(group, target.Time);
    }

    private sealed class Instance : IInstanceFreezer
    {
        private readonly string _group;
        private readonly TimeProvider _time;
        // Held open for the instance's life so that a thaw is a single pwrite: no path lookup, no allocation.
        private readonly SafeFileHandle _freeze;
        private readonly SafeFileHandle _events;
        private readonly byte[] _buffer = new byte[128];
        private readonly Func<bool> _isFrozen;

        public Instance(string group, TimeProvider time)
        {
            _group = group;
            _time = time;
            _isFrozen = IsFrozen;
            try
            {
                _freeze = File.OpenHandle(Path.Combine(group, "cgroup.freeze"), FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
                _events = File.OpenHandle(Path.Combine(group, "cgroup.events"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _freeze?.Dispose();
                throw new InstanceFreezeException($"cannot open the freezer files of cgroup {group}: {e.Message}", e);
            }
        }

        public FreezerKind Kind => FreezerKind.CgroupV2;

        public async Task FreezeAsync(CancellationToken cancellationToken)
        {
            Write("1"u8);
            bool frozen;
            try
            {
                frozen = await FreezeWait.UntilAsync(_isFrozen, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Write("0"u8);
                throw;
            }

            if (!frozen)
            {
                Write("0"u8);
                throw new InstanceFreezeException(
                    $"cgroup {_group} did not report frozen within {FreezeWait.Bound.TotalSeconds:0} s (a process stuck in uninterruptible sleep?); it was left running");
            }
        }

        public void Thaw() => Write("0"u8);

        public void Dispose()
        {
            _freeze.Dispose();
            _events.Dispose();
        }

        private void Write(ReadOnlySpan<byte> value)
        {
            try
            {
                // cgroup files ignore the offset: each write is a whole new value.
                RandomAccess.Write(_freeze, value, 0);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
            {
                throw new InstanceFreezeException($"cannot write cgroup.freeze of {_group}: {e.Message}", e);
            }
        }

        private bool IsFrozen()
        {
            int read;
            try
            {
                read = RandomAccess.Read(_events, _buffer, 0);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return false;
            }

            return _buffer.AsSpan(0, read).IndexOf("frozen 1"u8) >= 0;
        }
    }
}
