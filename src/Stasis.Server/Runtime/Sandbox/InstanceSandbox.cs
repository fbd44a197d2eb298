using System.Diagnostics;
using Stasis.Server.Runtime.Process;

namespace Stasis.Server.Runtime.Sandbox;

/// <summary>
/// One instance's sandbox: its network namespace, its bundle and its runc container. The instance's
/// main process is <c>runc run</c>, which stays in the foreground, passes the function its stdout and
/// stderr, forwards signals, and exits with the function's status. <see cref="TeardownAsync"/> removes
/// what a stop leaves (runc's state when runc itself was killed, the bundle, the namespace).
/// </summary>
internal sealed class InstanceSandbox
{
    private static readonly TimeSpan CommandBound = TimeSpan.FromSeconds(20);
    private readonly SandboxHost _host;
    private int _tornDown;

    private InstanceSandbox(SandboxHost host, InstanceNetwork network, string containerId, string bundle)
    {
        _host = host;
        Network = network;
        ContainerId = containerId;
        Bundle = bundle;
    }

    public InstanceNetwork Network { get; }

    public string ContainerId { get; }

    public string Bundle { get; }

    /// <summary>The group runc makes for the function inside the instance's groups (runc removes it; the instance's groups stay).</summary>
    public const string ChildGroup = "c";

    public static async Task<InstanceSandbox> CreateAsync(SandboxHost host, InstanceLaunch launch, string scope, string groupName,
        IReadOnlyDictionary<string, string> environment, int pidsLimit, Gpu.ContainerEdits? gpu = null)
    {
        var ids = host.Ranges.For(scope, launch.FunctionName);
        ImageStart? image = null;
        if (launch.Image is { } imageLaunch)
        {
            image = await ImageStart.PrepareAsync(imageLaunch, launch, ids, environment, CancellationToken.None).ConfigureAwait(false);
        }
        else
        {
            CheckCode(launch);
        }

        if (launch.InternetAccess)
        {
            NetFilter.Ensure();
        }

        InstanceNetwork network;
        try
        {
            network = await InstanceNetwork.CreateAsync(host.IpPath!, scope, groupName, launch.InternetAccess).ConfigureAwait(false);
        }
        catch (HostCommandException e)
        {
            throw new InstanceStartException($"The network namespace of instance {launch.InstanceId} could not be made: {e.Message}", null, e);
        }

        var bundle = Path.Combine(host.BundlesDirectory, groupName);
        var sandbox = new InstanceSandbox(host, network, groupName, bundle);
        try
        {
            OciBundle.Write(new SandboxLaunch
            {
                BundleDirectory = bundle,
                Ids = ids,
                NetworkNamespacePath = network.Path,
                CgroupsPath = $"{Cgroups.CgroupHost.ParentName}/{scope}/{groupName}/{ChildGroup}",
                PidsLimit = pidsLimit,
                Image = image is null ? null : ImageRoot(host, image, bundle, launch, ids),
                Gpu = gpu,
            }, launch, environment, host.Seccomp!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await sandbox.TeardownAsync().ConfigureAwait(false);
            throw new InstanceStartException($"The sandbox of instance {launch.InstanceId} could not be written to {bundle}: {e.Message}", null, e);
        }

        return sandbox;
    }

    // The instance's root: its own overlay on the image where the host allows one, else the shared image read-only.
    private static ImageSandbox ImageRoot(SandboxHost host, ImageStart image, string bundle, InstanceLaunch launch, UidRange ids)
    {
        Directory.CreateDirectory(bundle);
        string? problem = null;
        var writable = host.OverlayProblem is null && WritableLayer.Mount(bundle, image.Rootfs, launch.DiskSizeMb, ids, out problem);
        if (!writable)
        {
            host.OverlayProblem ??= problem ?? "the overlay was refused";
            WritableLayer.BindReadOnly(bundle, image.Rootfs);
        }

        return new ImageSandbox
        {
            Writable = writable,
            Uid = image.Uid,
            Gid = image.Gid,
            WorkingDirectory = image.WorkingDirectory,
            InitBinary = host.InitBinary,
            HasShell = image.HasShell,
        };
    }

    /// <summary>
    /// The function's own process on the host: the child of the sandbox's init, which is runc's child
    /// (<paramref name="pids"/>, what the instance's groups hold); null while it is not there yet.
    /// </summary>
    public static int? FindFunctionPid(int runcPid, IEnumerable<int> pids)
    {
        var parents = pids.Distinct().ToDictionary(pid => pid, ParentOf);
        var init = parents.Where(p => p.Value == runcPid).Select(p => (int?)p.Key).FirstOrDefault();
        return init is null ? null : parents.Where(p => p.Value == init).Select(p => (int?)p.Key).Order().FirstOrDefault();
    }

    private static int? ParentOf(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("PPid:", StringComparison.Ordinal))
                {
                    return int.Parse(line.AsSpan(5).Trim(), System.Globalization.CultureInfo.InvariantCulture);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            // Gone.
        }

        return null;
    }

    public ProcessStartInfo StartInfo()
    {
        var start = new ProcessStartInfo(_host.RuncPath!)
        {
            WorkingDirectory = Bundle,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "--root", _host.StateDirectory, "run", "--bundle", Bundle, ContainerId })
        {
            start.ArgumentList.Add(arg);
        }

        // runc needs nothing of the server's environment; the function's is in config.json.
        start.Environment.Clear();
        start.Environment["PATH"] = OciBundle.DefaultPath;
        return start;
    }

    /// <summary>Removes what is left of the sandbox once its processes are gone. Never throws; runs once.</summary>
    public async Task TeardownAsync()
    {
        if (Interlocked.Exchange(ref _tornDown, 1) == 1)
        {
            return;
        }

        await DeleteContainerAsync(_host, ContainerId).ConfigureAwait(false);
        WritableLayer.Unmount(Bundle);
        TryDeleteDirectory(Bundle);
        await Network.DeleteAsync(_host.IpPath!).ConfigureAwait(false);
    }

    /// <summary>
    /// Removes the sandboxes of <paramref name="scope"/> that a killed server left: containers, bundles and
    /// namespaces not in <paramref name="live"/>. Returns the container ids it found.
    /// </summary>
    public static async Task<IReadOnlyList<string>> RemoveLeftoversAsync(SandboxHost host, string scope, Func<string, bool> live)
    {
        var found = new List<string>();
        foreach (var dir in Children(host.StateDirectory).Concat(Children(host.BundlesDirectory)).Distinct(StringComparer.Ordinal))
        {
            if (live(dir))
            {
                continue;
            }

            await DeleteContainerAsync(host, dir).ConfigureAwait(false);
            WritableLayer.Unmount(Path.Combine(host.BundlesDirectory, dir));
            TryDeleteDirectory(Path.Combine(host.BundlesDirectory, dir));
            found.Add(dir);
        }

        foreach (var name in InstanceNetwork.Leftovers(scope))
        {
            if (!live(InstanceNetwork.InstanceIdOf(scope, name)))
            {
                await InstanceNetwork.DeleteLeftoverAsync(host.IpPath!, scope, name).ConfigureAwait(false);
            }
        }

        return found;
    }

    private static async Task DeleteContainerAsync(SandboxHost host, string containerId)
    {
        if (!Directory.Exists(Path.Combine(host.StateDirectory, containerId)))
        {
            return; // runc deleted it when the function exited
        }

        try
        {
            await HostCommand.RunAsync(host.RuncPath!, ["--root", host.StateDirectory, "delete", "--force", containerId], CommandBound).ConfigureAwait(false);
        }
        catch (HostCommandException)
        {
            // Its processes are gone with the cgroups; the state directory goes below.
        }

        TryDeleteDirectory(Path.Combine(host.StateDirectory, containerId));
    }

    // The function runs as an unprivileged uid of its own: its code must be readable by anyone, as a
    // git checkout or an unpacked archive is (0755 directories, 0644 files).
    private static void CheckCode(InstanceLaunch launch)
    {
        var code = Path.GetFullPath(launch.WorkingDirectory);
        if (!Directory.Exists(code))
        {
            throw new InstanceStartException($"The code directory '{code}' of function '{launch.FunctionName}' does not exist.");
        }

        const UnixFileMode needed = UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        if ((FileModes.Get(code) & needed) != needed)
        {
            throw new InstanceStartException(
                $"The code directory '{code}' of function '{launch.FunctionName}' is not readable by the function's sandboxed user; make it so with: chmod -R o+rX '{code}'");
        }
    }

    private static IEnumerable<string> Children(string directory)
    {
        try
        {
            return Directory.GetDirectories(directory).Select(Path.GetFileName).OfType<string>().ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static void TryDeleteDirectory(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the next server's clean-up.
        }
    }
}
