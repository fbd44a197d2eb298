using System.Net;
using System.Net.Http.Headers;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Stasis.Client.Auth;
using Stasis.Server.Hosting;

namespace Stasis.FunctionalTests.Security;

/// <summary>Whether credentials are required follows the listen address and the config: real servers, real sockets.</summary>
public sealed class ListenAddressAuthTests : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "stasis-auth-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly AccessKeyToken _admin = AccessKeyToken.Generate();
    private readonly List<StasisServer> _servers = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }

        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    [Fact]
    public async Task AllInterfaces_RequireCredentialsWithoutBeingAsked_OnLoopbackAndOnTheMachinesOwnAddress()
    {
        var server = await StartAsync("0.0.0.0:0");
        var port = server.Address.Port;
        var addresses = new List<string> { "127.0.0.1" };
        if (NonLoopbackAddress() is { } own)
        {
            addresses.Add(own.ToString());
        }

        foreach (var address in addresses)
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://{address}:{port}/") };
            using var anonymous = await http.GetAsync("api/v1/status");
            using var metrics = await http.GetAsync("metrics");
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _admin.Value);
            using var keyed = await http.GetAsync("api/v1/status");

            Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.OK), (anonymous.StatusCode, metrics.StatusCode, keyed.StatusCode));
        }

        Assert.True(server.AuthRequired);
        Assert.Equal("0.0.0.0 is not a loopback address", server.AuthReason);
    }

    [Fact]
    public async Task AnotherLoopbackAddress_IsOpenLikeTheDefault()
    {
        var server = await StartAsync("127.0.0.2:0");
        using var http = new HttpClient { BaseAddress = server.Address };

        using var response = await http.GetAsync("api/v1/status");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(server.AuthRequired);
    }

    [Fact]
    public async Task ConfigFileAuthRequired_AsksForCredentialsOnLoopback()
    {
        Directory.CreateDirectory(_data);
        var config = Path.Combine(_data, "stasis.json");
        await File.WriteAllTextAsync(config, """{ "auth": { "required": true } }""");
        var server = await StartAsync("127.0.0.1:0", config);
        using var http = new HttpClient { BaseAddress = server.Address };

        using var response = await http.GetAsync("api/v1/functions");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.True(server.AuthRequired);
    }

    private async Task<StasisServer> StartAsync(string listen, string? config = null)
    {
        var server = await StasisServer.StartAsync(
            new StasisServerOptions { Listen = listen, DataDirectory = Path.Combine(_data, "d" + _servers.Count), AdminKey = _admin.Value, ConfigFile = config },
            configureLogging: l => l.SetMinimumLevel(LogLevel.Warning));
        _servers.Add(server);
        return server;
    }

    /// <summary>An IPv4 address of this machine outside 127/8, when it has one that is up.</summary>
    private static IPAddress? NonLoopbackAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
}
