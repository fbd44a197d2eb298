namespace Stasis.Server.Runtime.Process;

internal enum Readiness
{
    Ready,
    Exited,
    TimedOut,
}

/// <summary>
/// Waits until an instance's port accepts a connection (made inside its namespace), its main process
/// exits, or the start timeout passes, whichever comes first.
/// </summary>
internal static class ReadinessProbe
{
    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(10);
    // A refused loopback connect costs tens of microseconds, so a probe every 20 ms costs nothing that
    // shows; a longer pause adds up to its length to every cold start (with 100 ms, a start that took
    // 175 ms was seen at 270 ms).
    private static readonly TimeSpan LongestPause = TimeSpan.FromMilliseconds(20);

    // A loopback connect is refused at once while nothing listens; only a full accept queue makes one hang.
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(1);

    public static async Task<Readiness> WaitAsync(ProcessInstance instance, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var pause = FirstPause;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (instance.Exited.IsCompleted)
            {
                return Readiness.Exited;
            }

            var remaining = timeout - time.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                return Readiness.TimedOut;
            }

            // Until the child has unshared, its namespace is not there to connect in.
            if (instance.TryAttachNamespace()
                && await instance.TryConnectAsync(remaining < AttemptTimeout ? remaining : AttemptTimeout, cancellationToken).ConfigureAwait(false))
            {
                return Readiness.Ready;
            }

            remaining = timeout - time.GetElapsedTime(started);
            var wait = remaining < pause ? remaining : pause;
            if (wait > TimeSpan.Zero)
            {
                using var delay = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var delayTask = Task.Delay(wait, time, delay.Token);
                await Task.WhenAny(instance.Exited, delayTask).ConfigureAwait(false);
                await delay.CancelAsync().ConfigureAwait(false);
            }

            pause = pause * 2 < LongestPause ? pause * 2 : LongestPause;
        }
    }
}
