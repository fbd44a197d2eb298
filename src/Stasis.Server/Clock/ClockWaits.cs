namespace Stasis.Server.Clock;

/// <summary>The core waits on its <see cref="TimeProvider"/> only: real time in the server, virtual time in the simulator and tests.</summary>
internal static class ClockWaits
{
    /// <summary>Completes after <paramref name="delay"/> on <paramref name="time"/>'s clock.</summary>
    public static Task After(this TimeProvider time, TimeSpan delay, CancellationToken cancellationToken = default) =>
        Task.Delay(delay, time, cancellationToken);

    /// <summary>A token that fires after <paramref name="timeout"/> on <paramref name="time"/>'s clock, or with <paramref name="linked"/>; disposing it stops its timer.</summary>
    public static ClockDeadline Deadline(this TimeProvider time, TimeSpan timeout, CancellationToken linked = default) => new(time, timeout, linked);
}

/// <summary>A deadline on a <see cref="TimeProvider"/>, linked to another token; its timer and link go when it is disposed.</summary>
internal sealed class ClockDeadline : IDisposable
{
    private readonly CancellationTokenSource _timer;
    private readonly CancellationTokenSource? _both;

    public ClockDeadline(TimeProvider time, TimeSpan timeout, CancellationToken linked)
    {
        _timer = new CancellationTokenSource(timeout, time);
        _both = linked.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(_timer.Token, linked) : null;
    }

    public CancellationToken Token => (_both ?? _timer).Token;

    public void Dispose()
    {
        _both?.Dispose();
        _timer.Dispose();
    }
}
