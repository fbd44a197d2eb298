using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Stasis.Server.Runtime.Sandbox;

/// <summary>
/// Writes an instance's OCI bundle: <c>config.json</c> (mode 0600: it holds the function's environment)
/// and a <c>rootfs</c> that is only mount points and a few generated files of <c>/etc</c>. Inside, the
/// function sees the host's system directories read-only, a curated <c>/etc</c>, its code read-only at
/// <see cref="CodeDirectory"/> (its working directory), a private <c>/tmp</c> of <c>diskSize</c>, its own
/// <c>/proc</c> and a minimal <c>/dev</c>; nothing else of the host. It runs as root of a user namespace
/// whose ids are the function's <see cref="UidRange"/> on the host, with <see cref="Capabilities"/> only
/// over what is the namespace's own, no new privileges and the seccomp profile, under a small init (<see cref="Init"/>) as pid 1.
/// </summary>
internal static class OciBundle
{
    public const string CodeDirectory = "/code";

    /// <summary>Where the function's programs are looked up when its spec sets no PATH.</summary>
    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    // Pid 1 of a pid namespace gets no signal it has no handler for, so a function that runs as pid 1
    // would ignore the SIGTERM that stops it. This init runs it as pid 2, passes SIGTERM on, reaps what
    // is re-parented to it, and exits with the function's status (128+N for signal N).
    internal const string Init = """
        trap 'kill -TERM "$child" 2>/dev/null' TERM INT HUP
        "$@" &
        child=$!
        while :; do
          wait "$child"
          status=$?
          kill -0 "$child" 2>/dev/null || exit "$status"
        done
        """;

    /// <summary>
    /// What root of the instance's user namespace may do to what is the namespace's own (its files in
    /// /tmp, its processes): the part of a container's usual set that a web server or a database's
    /// entrypoint needs to drop to an unprivileged user. None of it reaches the host: the
    /// kernel grants a namespaced capability only over objects whose owners are mapped into the
    /// namespace (the host's files are owned by unmapped ids), and over processes in it. Nothing that
    /// needs the host's privileges (CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_SYS_PTRACE, ...) is in it.
    /// </summary>
    public static readonly string[] Capabilities =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_NET_BIND_SERVICE",
    ];

    private static readonly string[] SystemDirectories = ["usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32"];

    // What of the host's /etc a program may need to run, resolve names and check certificates; never
    // its accounts, keys, or configuration of its services.
    private static readonly string[] EtcEntries =
    [
        "alternatives", "ca-certificates", "ca-certificates.conf", "ssl", "pki", "crypto-policies",
        "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "timezone", "mime.types", "protocols",
        "services", "nsswitch.conf", "host.conf", "gai.conf", "os-release", "debian_version", "fonts",
        "python3", "python3.11", "python3.12", "python3.13", "java-17-openjdk", "perl",
    ];

    private static readonly string[] MaskedPaths =
    [
        "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/proc/sysrq-trigger",
    ];

    private static readonly string[] ReadOnlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys"];

    /// <summary>Writes the bundle into <see cref="SandboxLaunch.BundleDirectory"/>.</summary>
    public static void Write(SandboxLaunch sandbox, InstanceLaunch launch, IReadOnlyDictionary<string, string> environment, JsonObject seccomp)
    {
        var bundle = sandbox.BundleDirectory;
        Directory.CreateDirectory(bundle);
        FileModes.Set(bundle, Traverse);
        if (sandbox.Image is { } image)
        {
            WriteImageConfig(sandbox, image, launch, environment, seccomp);
            return;
        }

        var rootfs = Path.Combine(bundle, "rootfs");
        Directory.CreateDirectory(rootfs);
        FileModes.Set(rootfs, Public);

        var mounts = BaseMounts();
        mounts.Add(Mount("/tmp", "tmpfs", "tmpfs", "nosuid", "nodev", "mode=1777", $"size={launch.DiskSizeMb.ToString(CultureInfo.InvariantCulture)}m"));
        foreach (var name in new[] { "proc", "dev", "tmp", "etc", CodeDirectory.TrimStart('/') })
        {
            Directory.CreateDirectory(Path.Combine(rootfs, name));
        }

        foreach (var name in SystemDirectories)
        {
            AddHostEntry(mounts, rootfs, "/" + name);
        }

        WriteEtc(mounts, rootfs, sandbox, launch);
        mounts.Add(Mount(CodeDirectory, "none", Path.GetFullPath(launch.WorkingDirectory), "rbind", "ro", "nosuid", "nodev"));

        var args = new List<string> { "/bin/sh", "-c", Init, "stasis-init" };
        args.AddRange(Argv(launch));
        WriteConfig(sandbox, launch, environment, seccomp, mounts, args, root: "rootfs", readOnly: true, CodeDirectory, uid: 0, gid: 0);
    }

    // An image instance: its root is the image (through its overlay), with the sandbox's own /proc, /dev and
    // the generated hosts, hostname and resolv.conf bound over the image's; the image's entries for the rest.
    private static void WriteImageConfig(SandboxLaunch sandbox, ImageSandbox image, InstanceLaunch launch, IReadOnlyDictionary<string, string> environment, JsonObject seccomp)
    {
        var files = Path.Combine(sandbox.BundleDirectory, "files");
        Directory.CreateDirectory(files);
        FileModes.Set(files, Traverse);
        var mounts = BaseMounts();
        var hostname = Hostname(launch);
        foreach (var (name, text) in new[]
        {
            ("hostname", hostname + "\n"),
            ("hosts", $"127.0.0.1\tlocalhost {hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n"),
            ("resolv.conf", launch.InternetAccess ? HostResolvConf() : ""),
        })
        {
            WriteFile(files, name, text);
            mounts.Add(Mount("/etc/" + name, "none", Path.Combine(files, name), "bind", "ro", "nosuid", "nodev", "noexec"));
        }

        if (!image.Writable)
        {
            foreach (var path in WritableLayer.FallbackWritablePaths)
            {
                mounts.Add(Mount(path, "tmpfs", "tmpfs", "nosuid", "nodev", "mode=1777", $"size={launch.DiskSizeMb.ToString(CultureInfo.InvariantCulture)}m"));
            }
        }

        var args = new List<string>();
        if (image.InitBinary is { } init)
        {
            mounts.Add(Mount(Images.ImageRootfs.InitPath, "none", init, "bind", "ro", "nosuid", "nodev"));
            args.AddRange([Images.ImageRootfs.InitPath, "--"]);
        }
        else if (image.HasShell)
        {
            args.AddRange(["/bin/sh", "-c", Init, "stasis-init"]);
        }

        args.AddRange(launch.Argv);
        WriteConfig(sandbox, launch, environment, seccomp, mounts, args, root: "rootfs", readOnly: !image.Writable, image.WorkingDirectory, image.Uid, image.Gid);
    }

    private static JsonArray BaseMounts() =>
    [
        Mount("/proc", "proc", "proc", "nosuid", "noexec", "nodev"),
        Mount("/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k"),
        Mount("/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"),
        Mount("/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k"),
    ];

    private static void WriteConfig(SandboxLaunch sandbox, InstanceLaunch launch, IReadOnlyDictionary<string, string> environment, JsonObject seccomp,
        JsonArray mounts, IEnumerable<string> argv, string root, bool readOnly, string cwd, long uid, long gid)
    {
        var env = new JsonArray();
        foreach (var (key, value) in environment)
        {
            env.Add($"{key}={value}");
        }

        var args = new JsonArray(argv.Select(a => (JsonNode?)JsonValue.Create(a)).ToArray());
        var granted = new JsonArray(Capabilities.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray());
        // As docker does, a user other than root gets no capability (the bounding set still limits what it could gain).
        var held = uid == 0 ? granted : new JsonArray();
        var config = new JsonObject
        {
            ["ociVersion"] = "1.0.2",
            ["process"] = new JsonObject
            {
                ["terminal"] = false,
                ["user"] = new JsonObject { ["uid"] = uid, ["gid"] = gid },
                ["args"] = args,
                ["env"] = env,
                ["cwd"] = cwd,
                ["capabilities"] = new JsonObject
                {
                    ["bounding"] = granted.DeepClone(), ["effective"] = held.DeepClone(), ["permitted"] = held.DeepClone(),
                    ["inheritable"] = new JsonArray(), ["ambient"] = new JsonArray(),
                },
                ["noNewPrivileges"] = true,
            },
            ["root"] = new JsonObject { ["path"] = root, ["readonly"] = readOnly },
            ["hostname"] = Hostname(launch),
            ["mounts"] = mounts,
            ["linux"] = new JsonObject
            {
                ["uidMappings"] = new JsonArray(Mapping(sandbox.Ids)),
                ["gidMappings"] = new JsonArray(Mapping(sandbox.Ids)),
                ["namespaces"] = new JsonArray(
                    Namespace("pid"), Namespace("ipc"), Namespace("uts"), Namespace("mount"), Namespace("user"), Namespace("cgroup"),
                    new JsonObject { ["type"] = "network", ["path"] = sandbox.NetworkNamespacePath }),
                ["cgroupsPath"] = sandbox.CgroupsPath,
                ["resources"] = new JsonObject { ["pids"] = new JsonObject { ["limit"] = sandbox.PidsLimit } },
                ["seccomp"] = seccomp.DeepClone(),
                ["maskedPaths"] = new JsonArray(MaskedPaths.Select(p => (JsonNode?)JsonValue.Create(p)).ToArray()),
                ["readonlyPaths"] = new JsonArray(ReadOnlyPaths.Select(p => (JsonNode?)JsonValue.Create(p)).ToArray()),
            },
        };

        if (sandbox.Gpu is { } gpu)
        {
            SandboxGpu.Apply(config, gpu);
        }

        var path = Path.Combine(sandbox.BundleDirectory, "config.json");
        using (var file = FileModes.CreatePrivate(path))
        using (var writer = new Utf8JsonWriter(file))
        {
            config.WriteTo(writer);
        }
    }

    /// <summary>
    /// The function's command as it runs inside: a path into its code directory on the host (as a spec
    /// written for the process runtime may give) becomes the same path under <see cref="CodeDirectory"/>.
    /// </summary>
    public static IEnumerable<string> Argv(InstanceLaunch launch)
    {
        var code = Path.TrimEndingDirectorySeparator(Path.GetFullPath(launch.WorkingDirectory));
        foreach (var arg in launch.Argv)
        {
            if (arg == code)
            {
                yield return CodeDirectory;
            }
            else if (arg.StartsWith(code + "/", StringComparison.Ordinal))
            {
                yield return CodeDirectory + arg[code.Length..];
            }
            else
            {
                yield return arg;
            }
        }
    }

    private static void WriteEtc(JsonArray mounts, string rootfs, SandboxLaunch sandbox, InstanceLaunch launch)
    {
        var etc = Path.Combine(rootfs, "etc");
        FileModes.Set(etc, Public);
        foreach (var name in EtcEntries)
        {
            AddHostEntry(mounts, rootfs, "/etc/" + name);
        }

        var hostname = Hostname(launch);
        WriteFile(etc, "passwd", "root:x:0:0:root:/tmp:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
        WriteFile(etc, "group", "root:x:0:\nnogroup:x:65534:\n");
        WriteFile(etc, "hostname", hostname + "\n");
        WriteFile(etc, "hosts", $"127.0.0.1\tlocalhost {hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n");
        WriteFile(etc, "resolv.conf", launch.InternetAccess ? HostResolvConf() : "");
    }

    private static string HostResolvConf()
    {
        try
        {
            return File.ReadAllText("/etc/resolv.conf");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    // A host entry that is a symbolic link (/bin -> usr/bin on a merged-/usr host) is made the same
    // link; a directory or file is bound read-only onto a mount point of its kind.
    private static void AddHostEntry(JsonArray mounts, string rootfs, string hostPath)
    {
        var info = new FileInfo(hostPath);
        var target = Path.Combine(rootfs, hostPath.TrimStart('/'));
        if (info.LinkTarget is { } link)
        {
            if (!File.Exists(target) && !Directory.Exists(target))
            {
                File.CreateSymbolicLink(target, link);
            }

            return;
        }

        if (Directory.Exists(hostPath))
        {
            Directory.CreateDirectory(target);
        }
        else if (File.Exists(hostPath))
        {
            File.WriteAllBytes(target, []);
        }
        else
        {
            return;
        }

        mounts.Add(Mount(hostPath, "none", hostPath, "rbind", "ro", "nosuid", "nodev"));
    }

    private static void WriteFile(string directory, string name, string text)
    {
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, text, new UTF8Encoding(false));
        FileModes.Set(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }

    // FC gives each instance a hostname of its own; a short, valid one from the function's name.
    private static string Hostname(InstanceLaunch launch)
    {
        var name = new string(launch.FunctionName.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-').ToArray()).Trim('-');
        return name.Length == 0 ? "instance" : name[..Math.Min(name.Length, 63)];
    }

    private static JsonObject Mount(string destination, string type, string source, params string[] options) => new()
    {
        ["destination"] = destination,
        ["type"] = type,
        ["source"] = source,
        ["options"] = new JsonArray(options.Select(o => (JsonNode?)JsonValue.Create(o)).ToArray()),
    };

    private static JsonObject Mapping(UidRange range) => new() { ["containerID"] = 0, ["hostID"] = range.Start, ["size"] = range.Size };

    private static JsonObject Namespace(string type) => new() { ["type"] = type };

    private const UnixFileMode Traverse = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    private const UnixFileMode Public = Traverse | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
}
