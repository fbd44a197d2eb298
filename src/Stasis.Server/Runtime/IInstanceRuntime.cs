namespace Stasis.Server.Runtime;

/// <summary>
/// Where instances come from. The process runtime starts local processes; tests use a fake one;
/// the simulator a modelled one. The core never touches a process directly.
/// </summary>
public interface IInstanceRuntime
{
    /// <summary>Short name shown by the status API ("process", "fake", ...).</summary>
    string Name { get; }

    /// <summary>What this runtime could use on this host (cgroup mode, network isolation, ...), for the status API.</summary>
    IReadOnlyDictionary<string, string> Describe();

    /// <summary>
    /// Starts an instance and returns once its port accepts connections. Throws
    /// <see cref="InstanceStartException"/> (after cleaning up everything it started) when the process
    /// exits first, the port does not open within <see cref="InstanceLaunch.StartTimeout"/>, or the spec
    /// cannot run here.
    /// </summary>
    Task<IRuntimeInstance> StartAsync(InstanceLaunch launch, CancellationToken cancellationToken);

    /// <summary>
    /// Finds instances that a previous server with the same data directory left running (it was
    /// killed) and stops them. Returns the ids it stopped. Called once at start-up, before any start.
    /// </summary>
    Task<IReadOnlyList<string>> StopOrphansAsync(CancellationToken cancellationToken);
}

/// <summary>A started instance: a handle the core uses to talk to it and to stop it.</summary>
public interface IRuntimeInstance : IAsyncDisposable
{
    string InstanceId { get; }

    /// <summary>Main process id, where there is one.</summary>
    int? ProcessId { get; }

    /// <summary>
    /// Sends HTTP requests to the instance's server. Its connections are opened inside the
    /// instance's network namespace, so <see cref="BaseAddress"/> is the address the function itself listens on.
    /// </summary>
    HttpMessageInvoker Invoker { get; }

    /// <summary>For example <c>http://127.0.0.1:9000/</c>.</summary>
    Uri BaseAddress { get; }

    /// <summary>Completes as soon as the instance's main process is gone, for whatever reason.</summary>
    Task<InstanceExit> Exited { get; }

    /// <summary>SIGTERM, then SIGKILL to everything left after <paramref name="grace"/>. Idempotent; completes when all is gone.</summary>
    Task StopAsync(TimeSpan grace, CancellationToken cancellationToken);

    /// <summary>
    /// Stops every process of the instance so that it uses no CPU (and, on a GPU host, checkpoints its
    /// device state so the GPU memory is released). Completes when frozen. Throws
    /// <see cref="InstanceFreezeException"/> when it cannot; the instance is then left running.
    /// </summary>
    Task FreezeAsync(CancellationToken cancellationToken);

    /// <summary>Undoes <see cref="FreezeAsync"/>; completes when the instance can serve again. Throws <see cref="InstanceFreezeException"/> when it cannot (process gone).</summary>
    Task ThawAsync(CancellationToken cancellationToken);
}

/// <summary>A freeze or thaw failed; the message says why.</summary>
public sealed class InstanceFreezeException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>How an instance ended.</summary>
public sealed record InstanceExit(int? ExitCode, string Reason);

/// <summary>Everything a runtime needs to start one instance.</summary>
public sealed record InstanceLaunch
{
    public required string InstanceId { get; init; }
    public required string FunctionName { get; init; }
    /// <summary>Working directory (the function's <c>code</c>).</summary>
    public required string WorkingDirectory { get; init; }
    /// <summary>entrypoint + command.</summary>
    public required IReadOnlyList<string> Argv { get; init; }
    /// <summary>The complete environment of the process: the function's variables, FC's, FC_SERVER_PORT and PORT.</summary>
    public required IReadOnlyDictionary<string, string> Environment { get; init; }
    public required int Port { get; init; }
    /// <summary>Bound on the time from spawn until the port accepts connections.</summary>
    public required TimeSpan StartTimeout { get; init; }
    /// <summary>File that holds the instance's stdout and stderr (shown in errors).</summary>
    public required string LogPath { get; init; }
    /// <summary>
    /// Whether the runtime writes the output to <see cref="LogPath"/> itself; false where
    /// <see cref="OnOutputLine"/> writes it (the server's function log), so that each line is written once.
    /// </summary>
    public bool WriteLogFile { get; init; } = true;
    /// <summary>vCPUs (CFS quota), or null for no limit.</summary>
    public double? CpuLimit { get; init; }
    /// <summary>Bytes, or null for no limit.</summary>
    public long? MemoryLimitBytes { get; init; }
    /// <summary>GPU memory the function asks for (MB), or null for a CPU-only function; the runtime assigns a device where it has any.</summary>
    public int? GpuMemoryMb { get; init; }
    /// <summary>FC's <c>internetAccess</c>: whether a sandboxed instance may reach other networks (never the host).</summary>
    public bool InternetAccess { get; init; } = true;
    /// <summary>FC's <c>diskSize</c>: the size of a sandboxed instance's writable <c>/tmp</c>, in MB.</summary>
    public int DiskSizeMb { get; init; } = Stasis.Client.Model.FunctionDefaults.DiskSizeMb;
    /// <summary>Called with each line the instance writes to stdout or stderr.</summary>
    public Action<string>? OnOutputLine { get; init; }
    /// <summary>
    /// The container image the instance runs, or null for a command run from <see cref="WorkingDirectory"/> with
    /// the host's system directories. With an image, <see cref="Argv"/> and <see cref="Environment"/> are what
    /// run inside it, and <see cref="WorkingDirectory"/> is not used.
    /// </summary>
    public ImageLaunch? Image { get; init; }
}

/// <summary>An instance could not be started; the message says why and what to fix.</summary>
public sealed class InstanceStartException : Exception
{
    public InstanceStartException(string message, string? outputExcerpt = null, Exception? inner = null)
        : base(message, inner) => OutputExcerpt = outputExcerpt;

    /// <summary>The last lines the instance printed, if any.</summary>
    public string? OutputExcerpt { get; }
}
