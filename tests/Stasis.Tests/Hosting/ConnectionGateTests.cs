using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Primitives;
using Stasis.Server.Hosting.Connections;

namespace Stasis.Tests.Hosting;

public sealed class ConnectionGateTests
{
    [Theory]
    [InlineData(1024, 384, 96)]
    [InlineData(20_000, 8_750, 2_187)]
    [InlineData(1_048_576, 520_192, 130_048)]
    [InlineData(0, 384, 96)] // unknown: as for 1024
    public void DefaultsLeaveAReserveAndHalfOfTheRestForUpstreamConnections(long openFiles, int max, int perAddress) =>
        Assert.Equal((max, perAddress), ConnectionGate.Defaults(openFiles));

    [Fact]
    public void AnAddressPastItsCapIsRefused_OthersAreNot_AndLeavingGivesThePlaceBack()
    {
        var gate = new ConnectionGate(10, 2, TrustedProxies.None, 1024, NullLogger.Instance);
        var a = IPAddress.Parse("10.0.0.1");
        Assert.Equal(Admission.Counted, gate.TryEnter(a));
        Assert.Equal(Admission.Counted, gate.TryEnter(a));
        Assert.Equal(Admission.RefusedAddress, gate.TryEnter(a));
        Assert.Equal(Admission.Counted, gate.TryEnter(IPAddress.Parse("10.0.0.2")));
        Assert.Equal(3, gate.Open);
        gate.Leave(a, Admission.Counted);
        Assert.Equal(Admission.Counted, gate.TryEnter(a));
        Assert.Equal(1, gate.RefusedAddressLimit);
        Assert.Equal(0, gate.RefusedServerLimit);
    }

    [Fact]
    public void TheServerCapHoldsOverAllAddresses_AndARefusalTakesNoPlace()
    {
        var gate = new ConnectionGate(3, 3, TrustedProxies.None, 1024, NullLogger.Instance);
        for (var i = 1; i <= 3; i++)
        {
            Assert.Equal(Admission.Counted, gate.TryEnter(IPAddress.Parse($"10.0.0.{i}")));
        }

        Assert.Equal(Admission.RefusedServer, gate.TryEnter(IPAddress.Parse("10.0.0.4")));
        gate.Leave(IPAddress.Parse("10.0.0.4"), Admission.RefusedServer);
        Assert.Equal(3, gate.Open);
        Assert.Equal(1, gate.RefusedServerLimit);
    }

    [Fact]
    public void AnIPv6ClientIsItsSlash64_SoChangingTheLowBitsDoesNotStepAroundTheCap()
    {
        var gate = new ConnectionGate(10, 2, TrustedProxies.None, 1024, NullLogger.Instance);
        Assert.Equal(Admission.Counted, gate.TryEnter(IPAddress.Parse("2001:db8:1:2::1")));
        Assert.Equal(Admission.Counted, gate.TryEnter(IPAddress.Parse("2001:db8:1:2:ffff::9")));
        Assert.Equal(Admission.RefusedAddress, gate.TryEnter(IPAddress.Parse("2001:db8:1:2:abcd::")));
        Assert.Equal(Admission.Counted, gate.TryEnter(IPAddress.Parse("2001:db8:1:3::1")));
        Assert.Equal("2001:db8:1:2::/64", ClientAddress.Of(IPAddress.Parse("2001:db8:1:2::7")).ToString());
        Assert.Equal("10.1.2.3", ClientAddress.Of(IPAddress.Parse("::ffff:10.1.2.3")).ToString());
        Assert.Equal(ClientAddress.Of(IPAddress.Parse("10.1.2.3")), ClientAddress.Of(IPAddress.Parse("::ffff:10.1.2.3")));
    }

    [Fact]
    public void ATrustedProxysConnectionsCountOnlyInAll()
    {
        var gate = new ConnectionGate(10, 1, TrustedProxies.Parse(["10.9.0.0/16"]), 1024, NullLogger.Instance);
        var proxy = IPAddress.Parse("10.9.1.1");
        Assert.Equal(Admission.Proxy, gate.TryEnter(proxy));
        Assert.Equal(Admission.Proxy, gate.TryEnter(proxy));
        Assert.True(gate.TryEnterForwarded(IPAddress.Parse("192.0.2.1")));
        Assert.False(gate.TryEnterForwarded(IPAddress.Parse("192.0.2.1")));
        gate.LeaveForwarded(IPAddress.Parse("192.0.2.1"));
        Assert.True(gate.TryEnterForwarded(IPAddress.Parse("192.0.2.1")));
        Assert.Equal(1, gate.RefusedAddressLimit);
    }

    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("203.0.113.7, 10.9.0.2", "203.0.113.7")] // a second trusted proxy in the chain is skipped
    [InlineData("1.1.1.1, 203.0.113.7", "203.0.113.7")] // what the client wrote itself (1.1.1.1) is not believed
    [InlineData("unknown, 203.0.113.7", "203.0.113.7")]
    [InlineData("203.0.113.7, garbage", "10.9.0.1")] // not an address where the proxy wrote: the proxy itself
    [InlineData("", "10.9.0.1")]
    [InlineData("10.9.0.3, 10.9.0.2", "10.9.0.3")] // proxies all the way: the farthest one
    [InlineData("2001:db8::5", "2001:db8::5")]
    public void TheClientIsTheRightMostAddressThatIsNotATrustedProxy(string header, string expected)
    {
        var proxies = TrustedProxies.Parse(["10.9.0.0/16"]);
        Assert.Equal(IPAddress.Parse(expected), proxies.Client(IPAddress.Parse("10.9.0.1"), new StringValues(header)));
    }

    [Fact]
    public void ClientLooksAtEveryXForwardedForHeader_TheLastOneFirst() =>
        Assert.Equal(IPAddress.Parse("198.51.100.1"),
            TrustedProxies.Parse(["10.9.0.1"]).Client(IPAddress.Parse("10.9.0.1"), new StringValues(["198.51.100.1", "10.9.0.1"])));

    [Theory]
    [InlineData("10.0.0")]
    [InlineData("10.0.0.0/33")]
    [InlineData("proxy.example.com")]
    public void ATrustedProxyThatIsNeitherAnAddressNorARangeIsRefusedByName(string entry)
    {
        var e = Assert.Throws<ArgumentException>(() => TrustedProxies.Parse([entry]));
        Assert.Contains($"'{entry}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnIPv4ProxyMatchesItsIPv4MappedForm() =>
        Assert.True(TrustedProxies.Parse(["127.0.0.3"]).Contains(IPAddress.Parse("::ffff:127.0.0.3")));
}
