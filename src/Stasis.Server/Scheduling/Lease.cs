using Stasis.Server.Instances;
using Stasis.Server.Runtime;

namespace Stasis.Server.Scheduling;

/// <summary>One slot on one instance, held for the length of one request. Disposing gives the slot back exactly once.</summary>
internal sealed class Lease : IDisposable
{
    private readonly FunctionDispatcher _owner;
    private int _released;

    public Lease(FunctionDispatcher owner, Instance instance, IRuntimeInstance handle)
    {
        _owner = owner;
        Instance = instance;
        Handle = handle;
    }

    public Instance Instance { get; }

    public IRuntimeInstance Handle { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            _owner.Release(Instance);
        }
    }
}
