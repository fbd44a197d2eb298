using System.Diagnostics;

namespace Stasis.Server.Runtime.Process;

/// <summary>
/// Whether instances can get a network namespace of their own here, found by trying once: spawn
/// <c>unshare --net ip link set lo up</c>, and <c>setns</c> a thread into a namespace. Either needs
/// CAP_SYS_ADMIN; without it instances share the host's network and each gets a free port instead.
/// </summary>
internal sealed class NetworkIsolation
{
    private NetworkIsolation(bool enabled, string description, string? unshare, string? ip, string? hostNamespace)
    {
        Enabled = enabled;
        Description = description;
        UnsharePath = unshare;
        IpPath = ip;
        HostNamespace = hostNamespace;
    }

    public bool Enabled { get; }

    /// <summary>"netns", or "none (why)".</summary>
    public string Description { get; }

    public string? UnsharePath { get; }

    public string? IpPath { get; }

    /// <summary>The server's own namespace ("net:[4026531840]"), to tell when a child has left it.</summary>
    public string? HostNamespace { get; }

    public static NetworkIsolation Disabled(string reason) => new(false, $"none ({reason})", null, null, null);

    public static NetworkIsolation Probe()
    {
        var unshare = HostTools.Find("unshare");
        var ip = HostTools.Find("ip");
        var host = NamespaceId("/proc/self/ns/net");
        if (unshare is null)
        {
            return Disabled("unshare from util-linux not found");
        }

        if (ip is null)
        {
            return Disabled("ip from iproute2 not found; it brings up loopback in the namespace");
        }

        if (host is null)
        {
            return Disabled("/proc/self/ns/net is not readable");
        }

        var spawnProblem = TryUnshare(unshare, ip);
        if (spawnProblem is not null)
        {
            return Disabled($"unshare --net failed: {spawnProblem}");
        }

        var setnsProblem = TrySetns();
        return setnsProblem is null
            ? new NetworkIsolation(true, "netns", unshare, ip, host)
            : Disabled($"setns is not permitted: {setnsProblem}");
    }

    /// <summary>The namespace a <c>/proc/*/ns/*</c> link points to, or null if it cannot be read.</summary>
    public static string? NamespaceId(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? TryUnshare(string unshare, string ip)
    {
        try
        {
            var start = new ProcessStartInfo(unshare) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var arg in new[] { "--net", "--", ip, "link", "set", "lo", "up" })
            {
                start.ArgumentList.Add(arg);
            }

            using var process = System.Diagnostics.Process.Start(start)!;
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                process.Kill();
                return "timed out";
            }

            return process.ExitCode == 0 ? null : $"exit code {process.ExitCode}: {error.Result.Trim()}";
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException or InvalidOperationException)
        {
            return e.Message;
        }
    }

    // Entering our own namespace needs the same privilege as entering an instance's, and changes nothing.
    private static string? TrySetns()
    {
        string? problem = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var ns = LibC.OpenNamespace("/proc/thread-self/ns/net");
                var errno = LibC.EnterNetworkNamespace(ns);
                problem = errno == 0 ? null : $"errno {errno}";
            }
            catch (IOException e)
            {
                problem = e.Message;
            }
        }, maxStackSize: 256 * 1024) { IsBackground = true, Name = "stasis netns probe" };
        thread.Start();
        thread.Join();
        return problem;
    }
}
