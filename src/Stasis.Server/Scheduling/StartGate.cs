namespace Stasis.Server.Scheduling;

/// <summary>
/// Bounds how many instances start (process up to ready, initialize hook included) at once across the
/// server. Starting a hundred instances together on a small machine makes every one of them miss its
/// readiness deadline, and the retries never converge; in turns, each start gets the CPU it needs.
/// An instance waiting for its turn is Starting and is not billed.
/// </summary>
internal sealed class StartGate
{
    private readonly SemaphoreSlim? _slots;

    public StartGate(int concurrency)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        _slots = concurrency == int.MaxValue ? null : new SemaphoreSlim(concurrency, concurrency);
        Concurrency = concurrency;
    }

    /// <summary>No bound (tests and the simulator, where starts cost no CPU).</summary>
    public static StartGate Unlimited { get; } = new(int.MaxValue);

    /// <summary>The default for a machine: two starts per CPU, at least four.</summary>
    public static int DefaultConcurrency => Math.Max(4, 2 * Environment.ProcessorCount);

    public int Concurrency { get; }

    /// <summary>Waits for a turn; dispose the result when the start is over (ready or failed).</summary>
    public async ValueTask<Turn> EnterAsync(CancellationToken cancellationToken)
    {
        if (_slots is null)
        {
            return default;
        }

        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Turn(_slots);
    }

    public readonly struct Turn(SemaphoreSlim? slots) : IDisposable
    {
        public void Dispose() => slots?.Release();
    }
}
