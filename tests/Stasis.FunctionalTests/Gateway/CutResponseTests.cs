using System.Net;
using System.Net.Sockets;
using System.Text;
using Stasis.Client;

namespace Stasis.FunctionalTests.Gateway;

/// <summary>
/// A function that promises 1000 bytes, sends 100 and closes: the client's connection is closed under the partial
/// answer (it cannot take it for whole), and the invocation, its End line and the metrics all say 502 (the invocation
/// list said 499 and the log 502, while the client got what looked like a 200).
/// </summary>
public sealed class CutResponseTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task AnAnswerCutShortByTheFunction_IsA502Everywhere_AndTheClientSeesItIncomplete()
    {
        await fx.DeployAsync(ServerFixture.Echo("cutter"));
        using (var warm = await fx.Http.GetAsync("fn/cutter/hello"))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        // What the client sees on the wire: the status and part of the body, then the end of the connection.
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, fx.Server.Address.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes("GET /fn/cutter/cut HTTP/1.1\r\nHost: localhost\r\n\r\n"));
        var received = new MemoryStream();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
            {
                received.Write(buffer, 0, n);
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            // An abort may reach the client as a reset: the connection ended all the same.
        }

        var text = Encoding.ASCII.GetString(received.ToArray());
        Assert.StartsWith("HTTP/1.1 200 ", text, StringComparison.Ordinal);
        var head = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.Contains("Content-Length: 1000", text[..head], StringComparison.OrdinalIgnoreCase);
        Assert.True(text.Length - head - 4 < 1000, $"the client got {text.Length - head - 4} bytes of the body");
        Assert.True(text[..head].Contains("x-fc-request-id", StringComparison.OrdinalIgnoreCase), text[..head]);
        var requestId = text[..head].Split("\r\n").Single(l => l.StartsWith("x-fc-request-id:", StringComparison.OrdinalIgnoreCase)).Split(':', 2)[1].Trim();

        // HttpClient takes it for the failure it is.
        await Assert.ThrowsAnyAsync<Exception>(async () => await fx.Http.GetByteArrayAsync("fn/cutter/cut"));

        using var client = new StasisClient(fx.Server.Address);
        // Recorded as the request ends, which may be just after the client saw its connection close.
        await ServerFixture.Until(async () => (await client.GetInvocationsAsync("cutter")).Invocations.Count(i => i.Path == "/cut") == 2, "both cut invocations recorded");
        var invocation = (await client.GetInvocationsAsync("cutter")).Invocations.Single(i => i.RequestId == requestId);
        Assert.Equal(502, invocation.Status);
        var log = await fx.Http.GetStringAsync("api/v1/functions/cutter/logs?tail=200");
        Assert.Contains($"FC Invoke End RequestId: {requestId}, Status: 502", log, StringComparison.Ordinal);
        Assert.Contains($"FC Invoke Cut RequestId: {requestId}, Status: 502: the response was cut short", log, StringComparison.Ordinal);
        var metrics = await fx.Http.GetStringAsync("metrics");
        Assert.Contains("stasis_function_invocations_total{function=\"cutter\",status_class=\"5xx\"} 2", metrics, StringComparison.Ordinal);
    }
}
