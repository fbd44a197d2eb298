namespace Stasis.Cli.Hosting;

/// <summary>A Stasis server started in this process.</summary>
internal interface IRunningServer : IAsyncDisposable
{
    /// <summary>e.g. <c>http://127.0.0.1:7070</c>, without a trailing slash.</summary>
    string Address { get; }

    string DataDirectory { get; }

    /// <summary>
    /// Where it listens, where its data is, whether it asks for credentials, what the runtime uses on this host (isolation,
    /// cgroups, freezer, GPU), and on a first start the admin key it created, whose token is shown nowhere else.
    /// </summary>
    string Banner { get; }

    /// <summary>
    /// An admin token this process knows: the one created on this first start, or <c>STASIS_ADMIN_KEY</c>'s; null otherwise.
    /// <c>up</c> deploys the samples with it when the server asks for credentials and the CLI has none.
    /// </summary>
    string? AdminToken { get; }

    /// <summary>Fires when shutdown begins (Ctrl-C, SIGTERM), before draining.</summary>
    CancellationToken Stopping { get; }

    Task WaitForShutdownAsync(CancellationToken cancellationToken);
}
