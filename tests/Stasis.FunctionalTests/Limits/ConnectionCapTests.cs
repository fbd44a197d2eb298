using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Stasis.Client.Model;

namespace Stasis.FunctionalTests.Limits;

/// <summary>
/// Idle connections, more of them than the server's open-file limit, from several client addresses: the server
/// raises its open-file limit to the hard one, refuses what is past its caps at once with 503 TooManyConnections,
/// counts the refusals in status and /metrics, and keeps serving (it used to run out of file descriptors and exit).
/// </summary>
public sealed class ConnectionCapTests : IAsyncLifetime
{
    // Soft 256, hard 1024: the server raises itself to 1024, whose default caps are 384 in all and 96 per address.
    private readonly ServerProcess _server = new() { Wrapper = ["prlimit", "--nofile=256:1024", "--"] };
    private readonly List<Socket> _held = [];

    [Fact]
    public async Task MoreIdleConnectionsThanTheOpenFileLimit_AreRefusedAtOnce_AndTheServerKeepsServing()
    {
        var http = await _server.StartAsync(); // its pooled keep-alive connection holds one place
        var before = (await Status(http)).Connections!;
        Assert.Equal(1024, before.OpenFilesLimit);
        Assert.Equal(384, before.Limit);
        Assert.Equal(96, before.PerAddressLimit);

        // 12 addresses × 100 idle connections: 1,200, past the 1,024 files the server may have open.
        const int Addresses = 12, PerAddress = 100;
        for (var a = 0; a < Addresses; a++)
        {
            var source = IPAddress.Parse($"127.0.0.{a + 2}");
            for (var i = 0; i < PerAddress; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                _held.Add(socket);
                socket.Bind(new IPEndPoint(source, 0));
                await socket.ConnectAsync(IPAddress.Loopback, http.BaseAddress!.Port);
            }
        }

        var admitted = before.Limit - before.Open;
        var refused = Addresses * PerAddress - admitted;
        await ServerFixture.Until(async () =>
        {
            var c = (await Status(http)).Connections!;
            return c.RefusedServerLimit + c.RefusedAddressLimit >= refused;
        }, "the connections past the caps refused");

        // Still serving, over the connection it already had.
        Assert.False(_server.Process.HasExited);
        var during = (await Status(http)).Connections!;
        Assert.Equal(before.Limit, during.Open);
        Assert.Equal(refused, during.RefusedServerLimit + during.RefusedAddressLimit);
        Assert.True(during.RefusedAddressLimit > 0, "the first addresses reached their own cap");
        Assert.True(during.RefusedServerLimit > 0, "the later ones found the server full");
        Assert.True(during.OpenFiles < during.OpenFilesLimit, $"{during.OpenFiles} files open of {during.OpenFilesLimit}");
        var metrics = await http.GetStringAsync("metrics");
        Assert.Contains($"stasis_connections_refused_total{{reason=\"server\"}} {during.RefusedServerLimit}", metrics, StringComparison.Ordinal);
        Assert.Contains($"stasis_connections_refused_total{{reason=\"address\"}} {during.RefusedAddressLimit}", metrics, StringComparison.Ordinal);
        Assert.Contains($"stasis_connections_open {before.Limit}", metrics, StringComparison.Ordinal);

        // A refused connection was told why, in JSON, and closed.
        var last = await ReadToEnd(_held[^1]);
        Assert.StartsWith("HTTP/1.1 503 ", last, StringComparison.Ordinal);
        Assert.Contains("\"code\":\"TooManyConnections\"", last, StringComparison.Ordinal);
        Assert.Contains("limits.maxConnections", last, StringComparison.Ordinal);
        var firstAddressRefused = await ReadToEnd(_held[PerAddress - 1]); // the 100th of 127.0.0.2, past its 96
        Assert.Contains("limits.maxConnectionsPerAddress", firstAddressRefused, StringComparison.Ordinal);

        // Once the idle connections go, new ones are taken again.
        foreach (var socket in _held)
        {
            socket.Dispose();
        }

        _held.Clear();
        await ServerFixture.Until(async () =>
        {
            using var fresh = new HttpClient { BaseAddress = http.BaseAddress };
            using var response = await fresh.GetAsync("api/v1/status");
            return response.IsSuccessStatusCode;
        }, "a new connection served");
        Assert.False(_server.Process.HasExited);
    }

    private static async Task<ServerStatus> Status(HttpClient http) =>
        (await http.GetFromJsonAsync<ServerStatus>("api/v1/status", JsonDefaults.Options))!;

    private static async Task<string> ReadToEnd(Socket socket)
    {
        var buffer = new byte[4096];
        var text = new StringBuilder();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
        {
            text.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }

        return text.ToString();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var socket in _held)
        {
            socket.Dispose();
        }

        await _server.DisposeAsync();
    }
}
