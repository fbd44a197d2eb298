namespace Stasis.Server.Clock;

/// <summary>The core waits on its <see cref="TimeProvider"/> only: real time in the server, virtual time in the simulator and tests.</summary>
internal static class ClockWaits
{
    /// <summary>Completes after <paramref name="delay"/> on <paramref name="time"/>'s clock.</summary>
    public static Task After(this TimeProvider time, TimeSpan delay, CancellationToken cancellationToken = default) =>
        Task.Delay(delay, time, cancellationToken);

    /// <summary>A token that fires after <paramref name="timeout"/> on <paramref name="time"/>'s clock, or with <paramref name="linked"/>.</summary>
    public static CancellationTokenSource Deadline(this TimeProvider time, TimeSpan timeout, CancellationToken linked = default)
    {
        var timer = new CancellationTokenSource(timeout, time);
        if (!linked.CanBeCanceled)
        {
            return timer;
        }

        var both = CancellationTokenSource.CreateLinkedTokenSource(timer.Token, linked);
        both.Token.Register(static state => ((CancellationTokenSource)state!).Dispose(), timer);
        return both;
    }
}
