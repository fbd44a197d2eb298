using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Stasis.FunctionalTests.Sandbox;

/// <summary>
/// FC's <c>internetAccess</c>: with it an instance reaches a server on another network (here a network
/// namespace of the test's own, routed through the host), never the host's addresses; without it, only
/// its loopback.
/// </summary>
public sealed class SandboxNetworkTests(SandboxServerFixture fx) : IClassFixture<SandboxServerFixture>, IAsyncLifetime
{
    private readonly string _outside = "stasis-test-outside-" + Guid.NewGuid().ToString("N")[..6];
    private readonly int _subnet = Random.Shared.Next(1, 250);
    private string _hostDevice = "";
    private Process? _listener;

    private string OutsideAddress => $"10.89.{_subnet.ToString(CultureInfo.InvariantCulture)}.2";

    private string HostAddress => $"10.89.{_subnet.ToString(CultureInfo.InvariantCulture)}.1";

    private const int Port = 8088;

    public async Task InitializeAsync()
    {
        _hostDevice = "sto" + Guid.NewGuid().ToString("N")[..8];
        Ip("netns", "add", _outside);
        Ip("link", "add", _hostDevice, "type", "veth", "peer", "name", "eth0", "netns", _outside);
        Ip("addr", "add", HostAddress + "/30", "dev", _hostDevice);
        Ip("link", "set", _hostDevice, "up");
        Ip("-n", _outside, "addr", "add", OutsideAddress + "/30", "dev", "eth0");
        Ip("-n", _outside, "link", "set", "eth0", "up");
        Ip("-n", _outside, "link", "set", "lo", "up");
        // A server on another network: answers each connection with "outside" and closes it.
        _listener = Process.Start(new ProcessStartInfo("nsenter", [$"--net=/run/netns/{_outside}", "/usr/bin/python3", "-c",
            $"import socket\ns=socket.create_server(('0.0.0.0',{Port}))\nwhile True:\n c,_=s.accept(); c.sendall(b'outside'); c.close()"]))!;
        await ServerFixture.Until(async () =>
        {
            try
            {
                using var client = new System.Net.Sockets.TcpClient();
                await client.ConnectAsync(IPAddress.Parse(OutsideAddress), Port);
                return true;
            }
            catch (System.Net.Sockets.SocketException)
            {
                return false;
            }
        }, "the outside server listens");
    }

    public Task DisposeAsync()
    {
        _listener?.Kill();
        _listener?.WaitForExit();
        _listener?.Dispose();
        Ip("netns", "delete", _outside);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task WithInternetAccess_AnInstanceReachesAnotherNetwork_ButNeverTheHost()
    {
        var reach = await fx.AttackAsync($"connect?host={OutsideAddress}&port={Port}");
        var host = await fx.AttackAsync($"connect?host={HostAddress}&port={fx.Server.Address.Port}");
        var loopback = await fx.AttackAsync($"connect?host=127.0.0.1&port={fx.Server.Address.Port}");

        Assert.True((bool)reach["ok"]!, reach.ToJsonString());
        Assert.False((bool)host["ok"]!, $"the control API on a host address: {host.ToJsonString()}");
        Assert.False((bool)loopback["ok"]!, $"the control API on loopback: {loopback.ToJsonString()}");
    }

    [Fact]
    public async Task WithoutInternetAccess_AnInstanceHasOnlyItsLoopback()
    {
        await fx.DeployAsync(SandboxServerFixture.Attacker("offline", internetAccess: false));

        var reach = await fx.AttackAsync($"connect?host={OutsideAddress}&port={Port}", "offline");
        var devices = await fx.AttackAsync("run?argv=cat&argv=/proc/net/dev", "offline");

        Assert.False((bool)reach["ok"]!, reach.ToJsonString());
        Assert.Contains("unreachable", (string?)reach["error"] ?? "", StringComparison.OrdinalIgnoreCase);
        var names = ((string)devices["output"]!).Split('\n').Skip(2).Select(l => l.Split(':')[0].Trim()).Where(n => n.Length > 0).ToList();
        Assert.Equal(["lo"], names);
    }

    private static void Ip(params string[] arguments)
    {
        using var ip = Process.Start(new ProcessStartInfo("ip", arguments) { RedirectStandardError = true })!;
        var error = ip.StandardError.ReadToEnd();
        ip.WaitForExit();
        Assert.True(ip.ExitCode == 0, $"ip {string.Join(' ', arguments)}: {error}");
    }
}
