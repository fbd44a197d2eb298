namespace Stasis.Server.Runtime.Freezing;

/// <summary>A host's way of freezing instances, chosen once at start-up (<see cref="FreezerChain"/>).</summary>
internal interface IFreezer
{
    FreezerKind Kind { get; }

    /// <summary>The freezer of one instance. Called at its first freeze, once its process has joined (or failed to join) its groups.</summary>
    IInstanceFreezer Attach(FreezeTarget target);
}

/// <summary>
/// Freezes and thaws one instance's processes (the CPU side only). Not safe for concurrent use: the
/// instance serialises calls. Disposing releases the files it holds open, not the freeze.
/// </summary>
internal interface IInstanceFreezer : IDisposable
{
    /// <summary>Usually the host's; <see cref="FreezerKind.Sigstop"/> for an instance that is not in the host freezer's group.</summary>
    FreezerKind Kind { get; }

    /// <summary>Completes once every process is stopped; throws <see cref="InstanceFreezeException"/> (processes left running) when that takes too long.</summary>
    Task FreezeAsync(CancellationToken cancellationToken);

    /// <summary>Lets the processes run again. Synchronous and cheap: it sits on the path of the request that woke the instance.</summary>
    void Thaw();
}
