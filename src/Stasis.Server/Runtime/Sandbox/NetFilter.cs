using Stasis.Server.Runtime.Process;

namespace Stasis.Server.Runtime.Sandbox;

/// <summary>
/// The host's rules for instances with <c>internetAccess</c>, set once per server (and again only where
/// another server's are missing), shared by every server on the host. In chains of their own, jumped to
/// first from the built-in ones:
/// <list type="bullet">
/// <item><c>STASIS-INPUT</c>: nothing from an instance's veth reaches the host itself, whatever address it
/// is sent to (the control API, the gateway, sshd, a database on loopback or on the LAN address); IPv6
/// likewise.</item>
/// <item><c>STASIS-FORWARD</c>: an instance may open connections to other networks, and get their answers;
/// never to another instance; nothing from outside may open one to it.</item>
/// <item>NAT: what leaves <see cref="Prefix"/>.0.0/16 for another network is masqueraded.</item>
/// </list>
/// It also turns on IPv4 forwarding (<c>net.ipv4.ip_forward</c>), which routing needs.
/// </summary>
internal static class NetFilter
{
    public const string Prefix = "10.88";
    public const string Subnet = Prefix + ".0.0/16";
    private const string Devices = "stv+";
    private static readonly TimeSpan CommandBound = TimeSpan.FromSeconds(20);
    private static readonly Lock Gate = new();
    private static bool _ready;

    // Written as `iptables -S` prints them, so that rules already in place compare equal. A refusal
    // (not a silent drop) so that a function's connect fails at once instead of after its timeout; a TCP
    // reset for TCP, since the kernel rate-limits ICMP errors per destination and a burst of attempts
    // would otherwise wait out their timeouts.
    private static readonly string[][] InputRules =
    [
        ["-i", Devices, "-p", "tcp", "-j", "REJECT", "--reject-with", "tcp-reset"],
        ["-i", Devices, "-j", "REJECT", "--reject-with", "icmp-port-unreachable"],
    ];

    private static readonly string[][] ForwardRules =
    [
        ["-i", Devices, "-o", Devices, "-p", "tcp", "-j", "REJECT", "--reject-with", "tcp-reset"],
        ["-i", Devices, "-o", Devices, "-j", "REJECT", "--reject-with", "icmp-port-unreachable"],
        ["-i", Devices, "-j", "ACCEPT"],
        ["-o", Devices, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"],
        ["-o", Devices, "-j", "DROP"],
    ];

    private static readonly string[][] InputRules6 =
    [
        ["-i", Devices, "-p", "tcp", "-j", "REJECT", "--reject-with", "tcp-reset"],
        ["-i", Devices, "-j", "REJECT", "--reject-with", "icmp6-port-unreachable"],
    ];

    private static readonly string[][] ForwardRules6 = [["-i", Devices, "-j", "DROP"], ["-o", Devices, "-j", "DROP"]];

    /// <summary>Sets the rules up if they are not; throws <see cref="InstanceStartException"/> saying what is missing.</summary>
    public static void Ensure()
    {
        lock (Gate)
        {
            if (_ready)
            {
                return;
            }

            var iptables = HostTools.Find("iptables")
                ?? throw new InstanceStartException("internetAccess needs iptables (apt-get install -y iptables); set internetAccess: false for a function that needs no network.");
            try
            {
                File.WriteAllText("/proc/sys/net/ipv4/ip_forward", "1");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new InstanceStartException($"internetAccess needs IPv4 forwarding, and net.ipv4.ip_forward cannot be set: {e.Message}");
            }

            Chain(iptables, "filter", "STASIS-INPUT", "INPUT", InputRules);
            Chain(iptables, "filter", "STASIS-FORWARD", "FORWARD", ForwardRules);
            Rule(iptables, "nat", "POSTROUTING", ["-s", Subnet, "!", "-d", Subnet, "-j", "MASQUERADE"]);
            if (HostTools.Find("ip6tables") is { } ip6tables)
            {
                Chain(ip6tables, "filter", "STASIS-INPUT", "INPUT", InputRules6);
                Chain(ip6tables, "filter", "STASIS-FORWARD", "FORWARD", ForwardRules6);
            }

            _ready = true;
        }
    }

    // A chain is filled only when it is not exactly what it should be, so a second server never opens a
    // window in which the first one's instances have no rules.
    private static void Chain(string tool, string table, string chain, string from, string[][] rules)
    {
        var expected = rules.Select(r => $"-A {chain} {string.Join(' ', r)}").ToList();
        var listed = Run(tool, ["-w", "-t", table, "-S", chain], check: false);
        var current = listed.ExitCode == 0
            ? listed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("-A ", StringComparison.Ordinal)).ToList()
            : null;
        if (current is null)
        {
            Run(tool, ["-w", "-t", table, "-N", chain], check: true);
        }

        if (current is null || !current.SequenceEqual(expected, StringComparer.Ordinal))
        {
            if (current is not null)
            {
                Run(tool, ["-w", "-t", table, "-F", chain], check: true);
            }

            foreach (var rule in rules)
            {
                Run(tool, ["-w", "-t", table, "-A", chain, .. rule], check: true);
            }
        }

        if (Run(tool, ["-w", "-t", table, "-C", from, "-j", chain], check: false).ExitCode != 0)
        {
            Run(tool, ["-w", "-t", table, "-I", from, "1", "-j", chain], check: true);
        }
    }

    private static void Rule(string tool, string table, string chain, string[] rule)
    {
        if (Run(tool, ["-w", "-t", table, "-C", chain, .. rule], check: false).ExitCode != 0)
        {
            Run(tool, ["-w", "-t", table, "-A", chain, .. rule], check: true);
        }
    }

    private static CommandResult Run(string tool, string[] arguments, bool check)
    {
        CommandResult result;
        try
        {
            result = HostCommand.Run(tool, arguments, CommandBound);
        }
        catch (HostCommandException e)
        {
            throw new InstanceStartException($"internetAccess: {e.Message}", null, e);
        }

        if (check && result.ExitCode != 0)
        {
            throw new InstanceStartException(
                $"internetAccess: {Path.GetFileName(tool)} {string.Join(' ', arguments)} failed: {result.Error.Trim()}; the host's netfilter (nf_tables, conntrack, NAT) is needed, or set internetAccess: false.");
        }

        return result;
    }
}
