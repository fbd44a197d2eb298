using System.Net;
using Stasis.Server.Hosting;

namespace Stasis.Tests.Hosting;

public sealed class ListenAddressTests
{
    [Theory]
    [InlineData("[::ffff:127.0.0.1]:7070", "127.0.0.1:7070")]
    [InlineData("127.0.0.1:7070", "127.0.0.1:7070")]
    [InlineData("[::1]:7070", "[::1]:7070")]
    [InlineData("localhost:7070", "127.0.0.1:7070")]
    [InlineData(":7070", "127.0.0.1:7070")]
    public void Listen_addresses_become_endpoints_a_socket_binds(string listen, string expected) =>
        Assert.Equal(IPEndPoint.Parse(expected), StasisServer.ParseListen(listen));

    [Fact]
    public void What_is_not_host_and_port_says_the_form() =>
        Assert.Contains("is not HOST:PORT", Assert.Throws<ArgumentException>(() => StasisServer.ParseListen("nowhere")).Message, StringComparison.Ordinal);
}
