using System.Text.Json.Nodes;
using Stasis.Server.Runtime.Process;

namespace Stasis.Server.Runtime.Sandbox;

/// <summary>
/// What this host gives the sandbox, found once: runc, iproute2, user namespaces, the seccomp profile
/// (converted once), and the runtime's directories under <c>/run/stasis/SCOPE</c> (bundles and runc's
/// state; mode 0711, so the instances' uids can reach their root file system and nothing more). Where a
/// piece is missing, <see cref="Problem"/> says what and how to get it, and no instance starts unless the
/// server runs with <c>--unsafe-no-sandbox</c>.
/// </summary>
internal sealed class SandboxHost
{
    private SandboxHost(string? problem, string? runc, string? ip, string? version, JsonObject? seccomp, string runDirectory, UidRanges ranges)
    {
        Problem = problem;
        RuncPath = runc;
        IpPath = ip;
        Version = version;
        Seccomp = seccomp;
        RunDirectory = runDirectory;
        Ranges = ranges;
    }

    /// <summary>Null when instances can be sandboxed here; else what is missing.</summary>
    public string? Problem { get; }

    public string? RuncPath { get; }

    public string? IpPath { get; }

    /// <summary>For example <c>runc 1.1.5</c>.</summary>
    public string? Version { get; }

    /// <summary>The OCI <c>linux.seccomp</c> object for an instance with <see cref="OciBundle.Capabilities"/>.</summary>
    public JsonObject? Seccomp { get; }

    public string RunDirectory { get; }

    public string BundlesDirectory => Path.Combine(RunDirectory, "bundles");

    public string StateDirectory => Path.Combine(RunDirectory, "runc");

    public UidRanges Ranges { get; }

    /// <summary>A static init (Debian's tini-static) that image instances run as pid 1; null without one (then the image's own /bin/sh).</summary>
    public string? InitBinary { get; } = HostTools.Find("tini-static");

    /// <summary>Set once an overlay mount was refused: image instances then run on their read-only image with tmpfs where they write.</summary>
    public string? OverlayProblem { get; set; }

    public string Describe() => Problem is null
        ? $"{Version} (user namespace, pid/mount/ipc/uts/net namespaces, namespaced capabilities only, seccomp, read-only root)"
        : $"unavailable ({Problem})";

    public static SandboxHost Detect(string scope, string? uidRangesPath, string? seccompPath, TimeProvider time)
    {
        var run = Path.Combine("/run/stasis", scope);
        var ranges = new UidRanges(uidRangesPath ?? UidRanges.DefaultPath, time);
        var runc = HostTools.Find("runc");
        var ip = HostTools.Find("ip");
        var problem = runc is null ? "runc is not installed: apt-get install -y runc"
            : ip is null ? "ip from iproute2 is not installed: apt-get install -y iproute2"
            : UserNamespaceProblem();
        string? version = null;
        JsonObject? seccomp = null;
        if (problem is null)
        {
            version = RuncVersion(runc!, out problem);
        }

        if (problem is null)
        {
            var profile = seccompPath ?? SeccompProfile.DefaultPath;
            try
            {
                seccomp = SeccompProfile.Convert(File.ReadAllText(profile), profile, OciBundle.Capabilities, SeccompProfile.HostGoArch(), SeccompProfile.HostKernel());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problem = $"the seccomp profile {profile} cannot be read ({e.Message}): apt-get install -y golang-github-containers-common";
            }
            catch (InvalidDataException e)
            {
                problem = $"the seccomp profile is not usable: {e.Message}";
            }
        }

        if (problem is null)
        {
            try
            {
                foreach (var dir in new[] { "/run/stasis", run, Path.Combine(run, "bundles"), Path.Combine(run, "runc") })
                {
                    Directory.CreateDirectory(dir);
                    FileModes.Set(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                        | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problem = $"{run} cannot be made ({e.Message}); the server must run as root";
            }
        }

        return new SandboxHost(problem, runc, ip, version, seccomp, run, ranges);
    }

    private static string? UserNamespaceProblem()
    {
        var max = File.Exists("/proc/sys/user/max_user_namespaces") ? File.ReadAllText("/proc/sys/user/max_user_namespaces").Trim() : null;
        if (max == "0")
        {
            return "user namespaces are turned off (user.max_user_namespaces = 0): sysctl -w user.max_user_namespaces=15000";
        }

        return Environment.UserName != "root" ? "the server must run as root to sandbox instances (it makes namespaces, cgroups and veths)" : null;
    }

    private static string? RuncVersion(string runc, out string? problem)
    {
        try
        {
            var result = HostCommand.Run(runc, ["--version"], TimeSpan.FromSeconds(10));
            problem = result.ExitCode == 0 ? null : $"runc --version failed: {result.Error.Trim()}";
            var first = result.Output.Split('\n')[0].Trim(); // "runc version 1.1.5+ds1"
            return first.Replace("runc version ", "runc ", StringComparison.Ordinal);
        }
        catch (HostCommandException e)
        {
            problem = e.Message;
            return null;
        }
    }
}
