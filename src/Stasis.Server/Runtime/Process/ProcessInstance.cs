using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Stasis.Server.Runtime.Cgroups;
using Stasis.Server.Runtime.Sandbox;

namespace Stasis.Server.Runtime.Process;

/// <summary>
/// A running function process: its main pid, network namespace, cgroups, output capture and the HTTP
/// client that reaches it. <see cref="StopAsync"/> releases all of them; after <see cref="Exited"/>
/// completes on its own, the owner still stops (or disposes) the instance to reclaim what is left.
/// </summary>
public sealed partial class ProcessInstance : IRuntimeInstance
{
    private readonly System.Diagnostics.Process _process;
    private readonly int _pid;
    private readonly OutputCapture _output;
    private readonly NetworkIsolation? _isolation;
    private readonly InstanceSandbox? _sandbox;
    private readonly bool _ownProcessGroup;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly long? _memoryLimitBytes;
    private NetworkNamespace? _namespace;
    private int? _functionPid;
    private Task? _stopping;

    internal ProcessInstance(InstanceLaunch launch, System.Diagnostics.Process process, int port, OutputCapture output,
        InstanceCgroups cgroups, NetworkIsolation? isolation, bool ownProcessGroup, InstanceFreezing freezing, TimeProvider time, ILogger logger,
        InstanceSandbox? sandbox = null)
    {
        _sandbox = sandbox;
        InstanceId = launch.InstanceId;
        _memoryLimitBytes = launch.MemoryLimitBytes;
        _process = process;
        _pid = process.Id;
        Port = port;
        _output = output;
        Cgroups = cgroups;
        _isolation = isolation;
        _ownProcessGroup = ownProcessGroup;
        _freezing = freezing;
        _time = time;
        _logger = logger;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        Invoker = new HttpMessageInvoker(InstanceHttpHandler.Create(CreateSocketAsync), disposeHandler: true);
        Exited = WatchExitAsync();
    }

    public string InstanceId { get; }

    /// <summary>The function's main process on the host (in a sandbox: the one its init runs, not runc).</summary>
    public int? ProcessId => _functionPid ?? _pid;

    public HttpMessageInvoker Invoker { get; }

    public Uri BaseAddress { get; }

    public Task<InstanceExit> Exited { get; }

    /// <summary>The port the function listens on (the launch's, or a free one where instances share the host network).</summary>
    public int Port { get; }

    /// <summary>The instance's cgroups (paths are null where unavailable).</summary>
    public InstanceCgroups Cgroups { get; }

    /// <summary>The instance's cgroup v2 directory, whose <c>cgroup.freeze</c> pauses it; null without one.</summary>
    public string? CgroupV2Path => Cgroups.V2Path;

    /// <summary>Whether the instance has a network namespace of its own.</summary>
    public bool IsNetworkIsolated => _sandbox is not null || _isolation!.Enabled;

    /// <summary>The instance's network namespace, e.g. <c>net:[4026532481]</c>, once attached.</summary>
    public string? NetworkNamespaceId => Volatile.Read(ref _namespace)?.Id;

    public Task StopAsync(TimeSpan grace, CancellationToken cancellationToken)
    {
        Task stopping;
        lock (_gate)
        {
            stopping = _stopping ??= Task.Run(() => StopCoreAsync(grace), CancellationToken.None);
        }

        // Cancelling abandons the wait, not the stop: a half-stopped instance would leak.
        return stopping.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync() => await StopAsync(TimeSpan.FromSeconds(2), CancellationToken.None).ConfigureAwait(false);

    /// <summary>Opens the instance's namespace once its process has entered it; true when connections can be made.</summary>
    internal bool TryAttachNamespace()
    {
        if (!IsNetworkIsolated)
        {
            return true;
        }

        lock (_gate)
        {
            if (_namespace is null && _stopping is null)
            {
                Volatile.Write(ref _namespace, _sandbox is not null
                    ? NetworkNamespace.TryOpenPath(_sandbox.Network.Path, InstanceId)
                    : NetworkNamespace.TryOpen(_pid, _isolation!.HostNamespace!, InstanceId));
            }

            return _namespace is not null;
        }
    }

    internal async Task<bool> TryConnectAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(timeout, _time);
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            var stream = await InstanceHttpHandler.ConnectAsync(CreateSocketAsync, new DnsEndPoint("127.0.0.1", Port), attempt.Token).ConfigureAwait(false);
            await stream.DisposeAsync().ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException)
        {
            return false;
        }
    }

    internal string OutputExcerpt(int lines) => _output.Excerpt(lines);

    /// <summary>Called once the port is open: by now the process has joined its cgroups, or never will.</summary>
    internal void OnReady()
    {
        // runc is not in the instance's groups (the function is, in runc's group below them), and runc
        // fails the start rather than leave it out of one.
        if (_sandbox is null)
        {
            Cgroups.DropGroupsWithout(_pid, _logger);
        }
        else
        {
            _functionPid = InstanceSandbox.FindFunctionPid(_pid, Cgroups.ReadPids());
        }
    }

    private Task<Socket> CreateSocketAsync(AddressFamily family, CancellationToken cancellationToken)
    {
        if (!IsNetworkIsolated)
        {
            return InstanceHttpHandler.HostSocketAsync(family, cancellationToken);
        }

        var ns = Volatile.Read(ref _namespace);
        return ns is null
            ? Task.FromException<Socket>(new IOException($"The network namespace of instance {InstanceId} is not open."))
            : ns.CreateSocketAsync(family, cancellationToken);
    }

    private async Task<InstanceExit> WatchExitAsync()
    {
        // Output is read by OutputCapture, not BeginOutputReadLine, so this completes at exit even while
        // something the function started still holds its stdout.
        await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        var code = _process.ExitCode;
        // The memory group is still there: it is removed only when the instance is stopped, after this.
        // In a sandbox the killed process was in runc's group below the instance's, gone by now with its
        // oom_kill count; the instance's group, which carries the limit, tells whether it was reached.
        var exit = code == 128 + LibC.SigKill && Cgroups.MemoryPath is { } memory
            && (CgroupOom.Kills(memory) > 0 || (_sandbox is not null && CgroupOom.LimitReached(memory)))
            ? ExitReason.OutOfMemory(code, _memoryLimitBytes)
            : ExitReason.FromExitCode(code);
        ProcessRuntimeLog.Exited(_logger, InstanceId, _pid, exit.Reason);
        return exit;
    }

    private async Task StopCoreAsync(TimeSpan grace)
    {
        var tree = new ProcessTree(_pid, Exited, Cgroups, _ownProcessGroup);
        await ThawForStopAsync().ConfigureAwait(false);
        tree.Signal(LibC.SigTerm);
        if (!await tree.WaitGoneAsync(grace, _time).ConfigureAwait(false))
        {
            ProcessRuntimeLog.Killing(_logger, InstanceId);
            if (!await tree.KillAsync(_time).ConfigureAwait(false))
            {
                ProcessRuntimeLog.Leftovers(_logger, InstanceId, string.Join(' ', Cgroups.ReadPids()));
            }
        }

        await _output.DrainAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        await _output.DisposeAsync().ConfigureAwait(false);
        lock (_gate)
        {
            _namespace?.Dispose();
        }

        Invoker.Dispose();
        ReleaseFreezing();
        if (_sandbox is not null)
        {
            await _sandbox.TeardownAsync().ConfigureAwait(false);
        }

        await Cgroups.RemoveAsync(_time, _logger).ConfigureAwait(false);
        if (Exited.IsCompleted)
        {
            _process.Dispose();
        }
    }
}
