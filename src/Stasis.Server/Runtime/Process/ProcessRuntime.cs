using System.Collections.Concurrent;
using System.ComponentModel;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Stasis.Server.Runtime.Cgroups;
using Stasis.Server.Runtime.Freezing;
using Stasis.Server.Runtime.Gpu;
using Stasis.Server.Runtime.Sandbox;

namespace Stasis.Server.Runtime.Process;

/// <summary>
/// Runs each instance as a local process tree: in a network namespace of its own (so every instance
/// can listen on the port its function insists on), in cgroups that carry its CPU and memory limits,
/// with its output in its log file, frozen and thawed by the best freezer the host has. Whatever of
/// that the host does not allow is left out, once, with a log line; <see cref="Describe"/> tells what
/// is in use.
/// </summary>
public sealed partial class ProcessRuntime : IInstanceRuntime
{
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lazy<HostSetup> _host;
    private readonly ProcessRuntimeOptions _options;
    private readonly Lazy<string?> _setsid = new(() => HostTools.Find("setsid"));

    // Group names of the instances this runtime runs, which orphan recovery must never take for orphans.
    private readonly ConcurrentDictionary<string, byte> _live = new(StringComparer.Ordinal);

    public ProcessRuntime(ILogger<ProcessRuntime> logger, TimeProvider time)
        : this(logger, time, new ProcessRuntimeOptions())
    {
    }

    public ProcessRuntime(ILogger<ProcessRuntime> logger, TimeProvider time, ProcessRuntimeOptions options)
        : this(logger, time, options, new HostOverrides())
    {
    }

    /// <summary>For tests of plain processes (no sandbox): a given cgroup host, and network isolation switched off.</summary>
    internal ProcessRuntime(ILogger<ProcessRuntime> logger, TimeProvider time, CgroupHost? cgroups, bool networkIsolation)
        : this(logger, time, new ProcessRuntimeOptions { Sandbox = false }, new HostOverrides { Cgroups = cgroups, NetworkIsolation = networkIsolation })
    {
    }

    /// <summary>For tests: whatever <paramref name="overrides"/> gives instead of what would be detected.</summary>
    internal ProcessRuntime(ILogger<ProcessRuntime> logger, TimeProvider time, ProcessRuntimeOptions options, HostOverrides overrides)
    {
        options.Validate();
        _options = options;
        _logger = logger;
        _time = time;
        _host = new(() => Detect(logger, options, overrides, time));
    }

    public string Name => "process";

    /// <summary>The cgroup layout in use (detected on first use).</summary>
    public CgroupHost Cgroups => _host.Value.Cgroups;

    /// <summary>Whether instances get network namespaces of their own (probed on first use).</summary>
    public bool NetworkIsolated => _host.Value.Isolation.Enabled;

    /// <summary>How instances are frozen here (chosen on first use).</summary>
    internal FreezerKind Freezer => _host.Value.Freezer.Kind;

    internal GpuTools Gpu => _host.Value.Gpu;

    public IReadOnlyDictionary<string, string> Describe()
    {
        var host = _host.Value;
        var description = new Dictionary<string, string>
        {
            ["sandbox"] = host.Sandbox?.Describe() ?? "off (--unsafe-no-sandbox)",
            ["isolation"] = host.Sandbox is { Problem: null } ? "netns" : host.Isolation.Description,
        };
        foreach (var (key, value) in Cgroups.Describe())
        {
            description[key] = value;
        }

        description["scope"] = Cgroups.Scope;
        description["freezer"] = host.Freezer.Kind.Name();
        description["gpu"] = host.Gpu.Describe();

        if (host.Sandbox is { Problem: null } sandbox)
        {
            description["pidsLimit"] = _options.PidsLimit.ToString(CultureInfo.InvariantCulture);
            description["imageLayer"] = sandbox.OverlayProblem is { } overlay
                ? $"read-only image, tmpfs on /tmp, /run, /var/tmp (no overlay: {overlay})"
                : "overlay on the shared image, upper layer a tmpfs of diskSize";
            description["imageInit"] = sandbox.InitBinary ?? "the image's /bin/sh (tini-static not installed: apt-get install -y tini)";
        }

        if (!NetworkIsolated && host.Sandbox is null)
        {
            description["ports"] = "each instance gets a free port in FC_SERVER_PORT and PORT";
        }

        return description;
    }

    public async Task<IRuntimeInstance> StartAsync(InstanceLaunch launch, CancellationToken cancellationToken)
    {
        var (isolation, cgroups, freezer, gpu, sandboxHost) = _host.Value;
        if (sandboxHost is not null)
        {
            return await StartSandboxedAsync(launch, sandboxHost, cgroups, freezer, gpu, cancellationToken).ConfigureAwait(false);
        }

        if (launch.Image is { } image)
        {
            throw new InstanceStartException(
                $"Function '{launch.FunctionName}' runs the image {image.Reference}, and images run only in the sandbox; this server runs with --unsafe-no-sandbox. Start it without that option.");
        }

        // Without a namespace of its own an instance cannot have the port its function names: two of
        // them would collide. It gets a free one instead, which FC-style servers read from the environment.
        var port = isolation.Enabled ? launch.Port : FreePort();
        var environment = LaunchCommand.Environment(launch, isolation.Enabled ? null : port);
        LaunchValidation.Validate(launch, environment);

        var output = OutputCapture.Open(launch, _time, _logger);
        var name = CgroupHost.SafeName(launch.InstanceId);
        _live[name] = 0;
        var groups = cgroups.CreateInstance(launch.InstanceId, launch.CpuLimit, launch.MemoryLimitBytes, v1Freezer: freezer.Kind == FreezerKind.CgroupV1);
        var lease = AssignGpu(launch, gpu, environment);
        var start = LaunchCommand.Build(launch, environment, isolation, groups, _setsid.Value);
        var (process, freezing) = await SpawnAsync(start, $"'{launch.Argv[0]}'", launch, name, output, groups, freezer, gpu, lease, sandbox: null).ConfigureAwait(false);
        var instance = new ProcessInstance(launch, process, port, output, groups, isolation, _setsid.Value is not null, freezing, _time, _logger);
        return await AwaitReadyAsync(launch, instance, process.Id, port, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Spawns the instance's main process and starts copying its output; where it cannot be spawned,
    /// gives back everything made for it (output, groups, sandbox, GPU, its live name) and says why.
    /// </summary>
    private async Task<(System.Diagnostics.Process Process, InstanceFreezing Freezing)> SpawnAsync(System.Diagnostics.ProcessStartInfo start,
        string what, InstanceLaunch launch, string name, OutputCapture output, InstanceCgroups groups, IFreezer freezer, GpuTools gpu,
        GpuLease? lease, InstanceSandbox? sandbox)
    {
        System.Diagnostics.Process process;
        try
        {
            process = System.Diagnostics.Process.Start(start)
                ?? throw new InvalidOperationException("no process was started");
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException or IOException)
        {
            await output.DisposeAsync().ConfigureAwait(false);
            await groups.RemoveAsync(_time, _logger).ConfigureAwait(false);
            if (sandbox is not null)
            {
                await sandbox.TeardownAsync().ConfigureAwait(false);
            }

            ReleaseGpu(gpu, lease);
            _live.TryRemove(name, out _);
            throw new InstanceStartException($"Could not start {what} for function '{launch.FunctionName}': {e.Message}", null, e);
        }

        process.StandardInput.Close();
        output.Start(process.StandardOutput.BaseStream, process.StandardError.BaseStream);
        var freezing = new InstanceFreezing(freezer, lease, lease is null ? null : gpu.Checkpoint, released =>
        {
            _live.TryRemove(name, out _);
            ReleaseGpu(gpu, lease);
        });
        return (process, freezing);
    }

    private async Task<IRuntimeInstance> AwaitReadyAsync(InstanceLaunch launch, ProcessInstance instance, int pid, int port, CancellationToken cancellationToken)
    {
        ProcessRuntimeLog.Spawned(_logger, launch.InstanceId, pid, port);

        Readiness readiness;
        try
        {
            readiness = await ReadinessProbe.WaitAsync(instance, launch.StartTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await instance.StopAsync(TimeSpan.Zero, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        if (readiness == Readiness.Ready)
        {
            instance.OnReady();
            ProcessRuntimeLog.Ready(_logger, launch.InstanceId, pid, port);
            return instance;
        }

        // Stop first: it drains the output, so the excerpt holds the last words.
        await instance.StopAsync(TimeSpan.Zero, CancellationToken.None).ConfigureAwait(false);
        var reason = readiness == Readiness.Exited
            ? $"{(await instance.Exited.ConfigureAwait(false)).Reason} before opening port {port}"
            : $"did not open port {port} within {launch.StartTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)}s; "
              + $"it must listen on 0.0.0.0 or 127.0.0.1 at the port in FC_SERVER_PORT ({port})";
        ProcessRuntimeLog.StartFailed(_logger, launch.InstanceId, reason);
        throw new InstanceStartException(
            $"Instance {launch.InstanceId} of function '{launch.FunctionName}' {reason}. Its output is in {launch.LogPath}.",
            instance.OutputExcerpt(20));
    }

    /// <summary>
    /// Starts the instance in its sandbox: the network namespace and bundle first, then the cgroups that
    /// carry its limits (runc makes its own group inside them), then <c>runc run</c>.
    /// </summary>
    private async Task<IRuntimeInstance> StartSandboxedAsync(InstanceLaunch launch, SandboxHost host, CgroupHost cgroups, IFreezer freezer,
        GpuTools gpu, CancellationToken cancellationToken)
    {
        if (host.Problem is not null)
        {
            throw new InstanceStartException(
                $"Instances cannot be sandboxed on this host: {host.Problem}. Fix that, or start the server with --unsafe-no-sandbox to run functions as plain processes (only for code you trust).");
        }

        var environment = SandboxEnvironment(launch);
        if (launch.Image is null)
        {
            LaunchValidation.Validate(launch, environment);
        }

        var name = CgroupHost.SafeName(launch.InstanceId);
        _live[name] = 0;
        // The GPU first: its device nodes (and, for an image, the driver's files) go into the bundle. Inside,
        // its one GPU is CUDA's device 0.
        var lease = AssignGpu(launch, gpu, environment);
        var edits = lease is null ? null : SandboxGpu.For(lease.Index, gpu.Cdi, image: launch.Image is not null);
        if (lease is not null)
        {
            environment["CUDA_VISIBLE_DEVICES"] = "0";
        }

        InstanceSandbox sandbox;
        try
        {
            sandbox = await InstanceSandbox.CreateAsync(host, launch, cgroups.Scope, name, environment, _options.PidsLimit, edits).ConfigureAwait(false);
        }
        catch
        {
            ReleaseGpu(gpu, lease);
            _live.TryRemove(name, out _);
            throw;
        }

        OutputCapture output;
        try
        {
            output = OutputCapture.Open(launch, _time, _logger);
        }
        catch
        {
            await sandbox.TeardownAsync().ConfigureAwait(false);
            ReleaseGpu(gpu, lease);
            _live.TryRemove(name, out _);
            throw;
        }

        var groups = cgroups.CreateInstance(launch.InstanceId, launch.CpuLimit, launch.MemoryLimitBytes, v1Freezer: freezer.Kind == FreezerKind.CgroupV1);
        var (process, freezing) = await SpawnAsync(sandbox.StartInfo(), "runc", launch, name, output, groups, freezer, gpu, lease, sandbox).ConfigureAwait(false);
        var instance = new ProcessInstance(launch, process, launch.Port, output, groups, isolation: null, ownProcessGroup: false, freezing, _time, _logger, sandbox);
        return await AwaitReadyAsync(launch, instance, process.Id, launch.Port, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The function's variables and FC's, with a PATH of the sandbox's system directories and (for a command)
    /// HOME in its writable /tmp where the spec sets neither: the server's own PATH names directories that are
    /// not there. An image's programs find their home in the image's /etc/passwd.
    /// </summary>
    private static Dictionary<string, string> SandboxEnvironment(InstanceLaunch launch)
    {
        var environment = new Dictionary<string, string>(launch.Environment, StringComparer.Ordinal);
        environment.TryAdd("PATH", OciBundle.DefaultPath);
        if (launch.Image is null)
        {
            environment.TryAdd("HOME", "/tmp");
        }

        return environment;
    }

    private static HostSetup Detect(ILogger logger, ProcessRuntimeOptions options, HostOverrides overrides, TimeProvider time)
    {
        SandboxHost? sandbox = null;
        if (options.Sandbox)
        {
            sandbox = SandboxHost.Detect(options.Scope, options.UidRangesPath, options.SeccompProfilePath, time);
            if (sandbox.Problem is not null)
            {
                ProcessRuntimeLog.NoSandbox(logger, sandbox.Problem);
            }
        }

        var isolation = overrides.NetworkIsolation ? NetworkIsolation.Probe() : NetworkIsolation.Disabled("switched off");
        var cgroups = overrides.Cgroups ?? CgroupHost.Detect(logger, options.Scope);
        ProcessRuntimeLog.Detected(logger, isolation.Description, cgroups.Describe()["cgroups"]);
        if (!isolation.Enabled)
        {
            ProcessRuntimeLog.NoIsolation(logger, isolation.Description);
        }

        var freezer = FreezerChain.Choose(cgroups, overrides.Freezer, logger);
        return new HostSetup(isolation, cgroups, freezer, overrides.Gpu ?? GpuTools.Detect(logger), sandbox);
    }

    /// <summary>
    /// Gives a GPU function a device of its own through CUDA_VISIBLE_DEVICES. PCI bus order makes CUDA
    /// number the devices as nvidia-smi does; its default (fastest first) may not.
    /// </summary>
    private static GpuLease? AssignGpu(InstanceLaunch launch, GpuTools gpu, Dictionary<string, string> environment)
    {
        if (launch.GpuMemoryMb is not { } memoryMb || gpu.Devices.Assign(memoryMb) is not { } lease)
        {
            return null;
        }

        environment["CUDA_DEVICE_ORDER"] = "PCI_BUS_ID";
        environment["CUDA_VISIBLE_DEVICES"] = lease.Index.ToString(CultureInfo.InvariantCulture);
        return lease;
    }

    private static void ReleaseGpu(GpuTools gpu, GpuLease? lease)
    {
        if (lease is not null)
        {
            gpu.Devices.Release(lease);
        }
    }

    private static int FreePort()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }

    private sealed record HostSetup(NetworkIsolation Isolation, CgroupHost Cgroups, IFreezer Freezer, GpuTools Gpu, SandboxHost? Sandbox);

    /// <summary>The sandbox's host setup, or null where it is switched off.</summary>
    internal SandboxHost? SandboxHost => _host.Value.Sandbox;
}
