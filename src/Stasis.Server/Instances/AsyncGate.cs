namespace Stasis.Server.Instances;

/// <summary>
/// A one-holder async lock, like <c>SemaphoreSlim(1, 1)</c>, whose waiters resume on the thread
/// that releases it when <c>inlineContinuations</c> is set (the simulator, where nothing may leave
/// its loop's thread), and on the thread pool otherwise (the server).
/// </summary>
internal sealed class AsyncGate(bool inlineContinuations = false)
{
    private readonly Lock _gate = new();
    private readonly LinkedList<TaskCompletionSource> _waiters = new();
    private bool _held;

    /// <summary>Completes when the caller holds the gate; canceled (and not holding it) when <paramref name="cancellationToken"/> fires first.</summary>
    public Task WaitAsync(CancellationToken cancellationToken = default)
    {
        LinkedListNode<TaskCompletionSource> node;
        lock (_gate)
        {
            if (!_held)
            {
                _held = true;
                return Task.CompletedTask;
            }

            cancellationToken.ThrowIfCancellationRequested();
            node = _waiters.AddLast(new TaskCompletionSource(inlineContinuations ? TaskCreationOptions.None : TaskCreationOptions.RunContinuationsAsynchronously));
        }

        if (cancellationToken.CanBeCanceled)
        {
            var registration = cancellationToken.Register(static s =>
            {
                var (self, n) = ((AsyncGate, LinkedListNode<TaskCompletionSource>))s!;
                bool removed;
                lock (self._gate)
                {
                    removed = n.List is not null;
                    if (removed)
                    {
                        self._waiters.Remove(n);
                    }
                }

                if (removed)
                {
                    n.Value.TrySetCanceled();
                }
            }, (this, node));
            node.Value.Task.ContinueWith(static (_, r) => ((CancellationTokenRegistration)r!).Dispose(), registration,
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        return node.Value.Task;
    }

    /// <summary>Hands the gate to the oldest waiter, or frees it.</summary>
    public void Release()
    {
        TaskCompletionSource? next = null;
        lock (_gate)
        {
            if (_waiters.First is { } first)
            {
                _waiters.RemoveFirst();
                next = first.Value;
            }
            else
            {
                _held = false;
            }
        }

        next?.TrySetResult();
    }
}
