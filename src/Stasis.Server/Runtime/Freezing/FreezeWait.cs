namespace Stasis.Server.Runtime.Freezing;

/// <summary>
/// Waits for a freeze to take effect. The kernel freezes each task when it next passes through the
/// signal path, which for an idle process takes microseconds: a few immediate re-checks catch that
/// without a timer; a process busy in a system call takes longer, so the checks then back off.
/// </summary>
internal static class FreezeWait
{
    /// <summary>How long a freeze may take before it is given up and the instance left running.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    private const int ImmediateChecks = 32;
    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan LongestPause = TimeSpan.FromMilliseconds(50);

    /// <summary>True once <paramref name="done"/> holds; false when <see cref="Bound"/> passed first.</summary>
    public static async Task<bool> UntilAsync(Func<bool> done, TimeProvider time, CancellationToken cancellationToken)
    {
        for (var i = 0; i < ImmediateChecks; i++)
        {
            if (done())
            {
                return true;
            }

            // Let the tasks being frozen have the CPU: on a small host they may be queued behind us.
            Thread.Yield();
        }

        var started = time.GetTimestamp();
        var pause = FirstPause;
        while (!done())
        {
            if (time.GetElapsedTime(started) >= Bound)
            {
                return false;
            }

            await Task.Delay(pause, time, cancellationToken).ConfigureAwait(false);
            pause = pause * 2 < LongestPause ? pause * 2 : LongestPause;
        }

        return true;
    }
}
