using System.Net;
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
        var text = await Limits.RawHttp.SendAsync(fx.Server.Address, "GET /fn/cutter/cut HTTP/1.1\r\nHost: localhost\r\n\r\n");

        // The status and part of the body may reach the client before the abort does, or be overtaken by it (a reset
        // drops what the client had not read yet); either way it never gets the whole answer.
        if (text.Length > 0)
        {
            Assert.StartsWith("HTTP/1.1 200 ", text, StringComparison.Ordinal);
            var head = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            Assert.True(head < 0 || text.Length - head - 4 < 1000, $"the client got the whole body: {text}");
        }

        // HttpClient takes it for the failure it is.
        await Assert.ThrowsAnyAsync<Exception>(async () => await fx.Http.GetByteArrayAsync("fn/cutter/cut"));

        // Recorded as the request ends, which may be just after the client saw its connection close.
        using var client = new StasisClient(fx.Server.Address);
        await ServerFixture.Until(async () => (await client.GetInvocationsAsync("cutter")).Invocations.Count(i => i.Path == "/cut") == 2, "both cut invocations recorded");
        var cut = (await client.GetInvocationsAsync("cutter")).Invocations.Where(i => i.Path == "/cut").ToList();
        Assert.All(cut, i => Assert.Equal(502, i.Status));
        var log = await fx.Http.GetStringAsync("api/v1/functions/cutter/logs?tail=200");
        foreach (var invocation in cut)
        {
            Assert.Contains($"FC Invoke End RequestId: {invocation.RequestId}, Status: 502", log, StringComparison.Ordinal);
            Assert.Contains($"FC Invoke Cut RequestId: {invocation.RequestId}, Status: 502: the response was cut short", log, StringComparison.Ordinal);
        }

        var metrics = await fx.Http.GetStringAsync("metrics");
        Assert.Contains("stasis_function_invocations_total{function=\"cutter\",status_class=\"5xx\"} 2", metrics, StringComparison.Ordinal);
    }
}
