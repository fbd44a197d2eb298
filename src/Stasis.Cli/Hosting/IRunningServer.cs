namespace Stasis.Cli.Hosting;

/// <summary>A Stasis server started in this process.</summary>
internal interface IRunningServer : IAsyncDisposable
{
    /// <summary>e.g. <c>http://127.0.0.1:7070</c>, without a trailing slash.</summary>
    string Address { get; }

    string DataDirectory { get; }

    /// <summary>Where it listens, where its data is, and what the runtime uses on this host (isolation, cgroups, freezer, GPU).</summary>
    string Banner { get; }

    /// <summary>Fires when shutdown begins (Ctrl-C, SIGTERM), before draining.</summary>
    CancellationToken Stopping { get; }

    Task WaitForShutdownAsync(CancellationToken cancellationToken);
}
