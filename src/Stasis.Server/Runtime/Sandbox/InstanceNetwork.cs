using System.Globalization;
using Stasis.Server.Runtime.Process;

namespace Stasis.Server.Runtime.Sandbox;

/// <summary>
/// An instance's network namespace, made before the instance starts so that it is complete when the
/// function's first line runs: <c>ip netns add stasis-SCOPE-ID</c> with loopback up, and, for a function
/// with <c>internetAccess</c>, a veth pair to the host (<c>eth0</c> inside, <c>stvNNNN</c> outside) on a /30 of
/// <see cref="NetFilter.Subnet"/> with a default route through the host, whose NAT and filter rules
/// (<see cref="NetFilter"/>) let it out to other networks but never to the host itself nor to another
/// instance. Subnets are claimed host-wide by creating <c>/run/stasis/net/N</c> exclusively, so servers
/// on one host never give one subnet twice.
/// </summary>
internal sealed class InstanceNetwork
{
    private const string NamePrefix = "stasis-";
    private const string ClaimDirectory = "/run/stasis/net";
    private const int Subnets = 16384; // /30s in a /16
    private static readonly TimeSpan CommandBound = TimeSpan.FromSeconds(10);

    private InstanceNetwork(string name, int? subnet)
    {
        Name = name;
        Subnet = subnet;
    }

    /// <summary>The name <c>ip netns</c> knows it by.</summary>
    public string Name { get; }

    /// <summary>The file that holds it (<c>/run/netns/NAME</c>), to give runc and to setns into.</summary>
    public string Path => "/run/netns/" + Name;

    /// <summary>The claimed /30, where the instance may reach other networks.</summary>
    public int? Subnet { get; }

    public static string NameOf(string scope, string instanceId) => NamePrefix + scope + "-" + instanceId;

    /// <summary>The instance id in a name <see cref="NameOf"/> made for <paramref name="scope"/>.</summary>
    public static string InstanceIdOf(string scope, string name) => name[NameOf(scope, "").Length..];

    public static async Task<InstanceNetwork> CreateAsync(string ip, string scope, string instanceId, bool internetAccess)
    {
        var name = NameOf(scope, instanceId);
        await RunAsync(ip, ["netns", "add", name]).ConfigureAwait(false);
        var network = new InstanceNetwork(name, null);
        try
        {
            if (!internetAccess)
            {
                await RunAsync(ip, ["-n", name, "link", "set", "lo", "up"]).ConfigureAwait(false);
                return network;
            }

            var subnet = Claim(scope, instanceId);
            network = new InstanceNetwork(name, subnet);
            var host = HostDevice(subnet);
            var (hostAddress, instanceAddress) = Addresses(subnet);
            await RunBatchAsync(ip, null,
            [
                $"link add {host} type veth peer name eth0 netns {name}",
                $"addr add {hostAddress}/30 dev {host}",
            ]).ConfigureAwait(false);
            // No IPv6 on the host's end: the instance could otherwise reach the host by its link-local address.
            TryWrite($"/proc/sys/net/ipv6/conf/{host}/disable_ipv6", "1");
            await RunBatchAsync(ip, null, [$"link set {host} up"]).ConfigureAwait(false);
            await RunBatchAsync(ip, name,
            [
                "link set lo up",
                $"addr add {instanceAddress}/30 dev eth0",
                "link set eth0 up",
                $"route add default via {hostAddress}",
            ]).ConfigureAwait(false);
            return network;
        }
        catch
        {
            await network.DeleteAsync(ip).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Deletes the namespace (its veth goes with it) and gives the subnet back. Never throws.</summary>
    public async Task DeleteAsync(string ip)
    {
        await DeleteAsync(ip, Name, Subnet).ConfigureAwait(false);
    }

    /// <summary>Namespaces of <paramref name="scope"/> that a killed server left behind, by name.</summary>
    public static IReadOnlyList<string> Leftovers(string scope)
    {
        var prefix = NamePrefix + scope + "-";
        try
        {
            return Directory.EnumerateFiles("/run/netns", prefix + "*").Select(System.IO.Path.GetFileName).OfType<string>().ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>Removes a leftover namespace and whatever subnet its instance claimed.</summary>
    public static async Task DeleteLeftoverAsync(string ip, string scope, string name)
    {
        await DeleteAsync(ip, name, FindClaim(scope, InstanceIdOf(scope, name))).ConfigureAwait(false);
    }

    private static async Task DeleteAsync(string ip, string name, int? subnet)
    {
        try
        {
            await RunAsync(ip, ["netns", "delete", name]).ConfigureAwait(false);
        }
        catch (HostCommandException)
        {
            // Already gone.
        }

        if (subnet is { } claimed)
        {
            try
            {
                // The host end goes with the namespace's end; delete it too in case it did not yet.
                await RunAsync(ip, ["link", "delete", HostDevice(claimed)]).ConfigureAwait(false);
            }
            catch (HostCommandException)
            {
                // Gone with its peer.
            }

            File.Delete(ClaimPath(claimed));
        }
    }

    internal static string HostDevice(int subnet) => "stv" + subnet.ToString("x4", CultureInfo.InvariantCulture);

    internal static (string Host, string Instance) Addresses(int subnet)
    {
        var third = (subnet * 4) / 256;
        var fourth = (subnet * 4) % 256;
        return ($"{NetFilter.Prefix}.{third}.{fourth + 1}", $"{NetFilter.Prefix}.{third}.{fourth + 2}");
    }

    private static int Claim(string scope, string instanceId)
    {
        Directory.CreateDirectory(ClaimDirectory);
        var start = (int)((uint)StringComparer.Ordinal.GetHashCode(instanceId) % Subnets);
        for (var i = 0; i < Subnets; i++)
        {
            var subnet = (start + i) % Subnets;
            try
            {
                using var claim = new FileStream(ClaimPath(subnet), FileMode.CreateNew, FileAccess.Write);
                claim.Write(System.Text.Encoding.UTF8.GetBytes($"{scope} {instanceId}\n"));
                return subnet;
            }
            catch (IOException) when (File.Exists(ClaimPath(subnet)))
            {
                // Taken by another instance; try the next.
            }
        }

        throw new InstanceStartException($"All {Subnets} instance subnets of {NetFilter.Prefix}.0.0/16 are in use ({ClaimDirectory}).");
    }

    private static int? FindClaim(string scope, string instanceId)
    {
        try
        {
            foreach (var file in Directory.EnumerateFiles(ClaimDirectory))
            {
                if (File.ReadAllText(file).Trim() == $"{scope} {instanceId}"
                    && int.TryParse(System.IO.Path.GetFileName(file), CultureInfo.InvariantCulture, out var subnet))
                {
                    return subnet;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No claims.
        }

        return null;
    }

    private static string ClaimPath(int subnet) => System.IO.Path.Combine(ClaimDirectory, subnet.ToString(CultureInfo.InvariantCulture));

    private static void TryWrite(string path, string value)
    {
        try
        {
            File.WriteAllText(path, value);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No IPv6 on this host: nothing to turn off.
        }
    }

    private static async Task RunAsync(string ip, IReadOnlyList<string> arguments)
    {
        var result = await HostCommand.RunAsync(ip, arguments, CommandBound).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new HostCommandException($"ip {string.Join(' ', arguments)}: {result.Error.Trim()}");
        }
    }

    private static async Task RunBatchAsync(string ip, string? ns, IReadOnlyList<string> lines)
    {
        var batch = System.IO.Path.GetTempFileName();
        try
        {
            await File.WriteAllLinesAsync(batch, lines).ConfigureAwait(false);
            await RunAsync(ip, ns is null ? ["-batch", batch] : ["-n", ns, "-batch", batch]).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(batch);
        }
    }
}
