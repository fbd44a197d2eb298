using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Stasis.Client.Model;

namespace Stasis.FunctionalTests.Gateway;

public sealed class GatewayTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Invoke_ForwardsMethodPathQueryBodyAndFcHeaders_AfterInitializer()
    {
        var info = await fx.DeployAsync(ServerFixture.Echo("echo-basic"));
        Assert.EndsWith("/fn/echo-basic", info.Url);

        using var response = await fx.Http.PostAsync("fn/echo-basic/invoke?x=1&y=two", new StringContent("Nice to meet you", Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var requestId = response.Headers.GetValues("x-fc-request-id").Single();
        var echo = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("POST", (string?)echo["method"]);
        Assert.Equal("/invoke", (string?)echo["path"]);
        Assert.Equal("x=1&y=two", (string?)echo["query"]);
        Assert.Equal("Nice to meet you", (string?)echo["body"]);
        Assert.NotNull((string?)echo["initialized"]);
        var headers = echo["headers"]!;
        Assert.Equal(requestId, (string?)headers["x-fc-request-id"]);
        Assert.Equal("echo-basic", (string?)headers["x-fc-function-name"]);
        Assert.Equal("LATEST", (string?)headers["x-fc-qualifier"]);
        Assert.Equal("512", (string?)headers["x-fc-function-memory"]);
        Assert.Equal("9000", (string?)echo["env"]!["FC_SERVER_PORT"]);
        Assert.Equal("9000", (string?)echo["env"]!["PORT"]);
    }

    [Fact]
    public async Task Invoke_UnknownFunction_Is404JsonWithRequestId()
    {
        using var response = await fx.Http.PostAsync("fn/no-such-function/invoke", new StringContent("x"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = await ReadError(response);
        Assert.Equal("FunctionNotFound", error.Code);
        Assert.Contains("no-such-function", error.Message);
        Assert.Equal(response.Headers.GetValues("x-fc-request-id").Single(), error.RequestId);
    }

    [Fact]
    public async Task Invoke_MethodTheTriggerDoesNotAllow_Is405WithAllow()
    {
        await fx.DeployAsync(ServerFixture.Echo("echo-methods", methods: ["POST"]));

        using var response = await fx.Http.GetAsync("fn/echo-methods/invoke");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("MethodNotAllowed", (await ReadError(response)).Code);
        Assert.Contains("POST", response.Content.Headers.Allow);
    }

    [Fact]
    public async Task Invoke_BodyOverTheLimit_Is413WithoutStartingAnInstance()
    {
        await fx.DeployAsync(ServerFixture.Echo("echo-big"));

        // Expect: 100-continue (as curl sends for large bodies) lets the gateway refuse before the body is sent.
        using var request = new HttpRequestMessage(HttpMethod.Post, "fn/echo-big/invoke") { Content = new ByteArrayContent(new byte[2 * 1024 * 1024]) };
        request.Headers.ExpectContinue = true;
        using var response = await fx.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("PayloadTooLarge", (await ReadError(response)).Code);
        Assert.Empty(await fx.InstancesAsync("echo-big", all: true));
    }

    [Fact]
    public async Task Invoke_ChunkedBodyOverTheLimit_Is413()
    {
        await fx.DeployAsync(ServerFixture.Echo("echo-chunked"));
        var content = new StreamContent(new MemoryStream(new byte[2 * 1024 * 1024]));
        using var request = new HttpRequestMessage(HttpMethod.Post, "fn/echo-chunked/invoke") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        request.Headers.ExpectContinue = true;

        using var response = await fx.Http.SendAsync(request);

        Assert.True(response.StatusCode == HttpStatusCode.RequestEntityTooLarge, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task Invoke_FunctionSlowerThanItsTimeout_Is504()
    {
        await fx.DeployAsync(ServerFixture.Echo("echo-timeout", timeout: 1));

        using var response = await fx.Http.GetAsync("fn/echo-timeout/sleep?ms=5000");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        var error = await ReadError(response);
        Assert.Equal("FunctionTimeout", error.Code);
        Assert.Contains("1s", error.Message);
    }

    [Fact]
    public async Task Invoke_InstanceKilledMidRequest_Is502AndNextRequestGetsANewInstance()
    {
        await fx.DeployAsync(ServerFixture.Echo("echo-crash"));
        var first = await PidOf("echo-crash");

        var slow = fx.Http.GetAsync("fn/echo-crash/sleep?ms=20000");
        await ServerFixture.Until(async () => (await fx.Http.GetStringAsync("api/v1/functions/echo-crash/logs?tail=50")).Contains("sleeping 20000 ms", StringComparison.Ordinal), "the function is running the slow request");
        Signal(first, 9);
        using var response = await slow;

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("InstanceError", (await ReadError(response)).Code);
        var second = await PidOf("echo-crash");
        Assert.NotEqual(first, second);
        var crashed = (await fx.InstancesAsync("echo-crash", all: true)).Single(i => i.Pid == first);
        Assert.Equal("Failed", crashed.State);
        Assert.Contains("signal 9", crashed.Error);
    }

    [Fact]
    public async Task Invoke_TwoInstancesOfAServerFixedOnPort9000_RunSideBySide()
    {
        await fx.DeployAsync(ServerFixture.Echo("echo-pair", concurrency: 1));

        var a = fx.Http.GetStringAsync("fn/echo-pair/sleep?ms=1500");
        var b = fx.Http.GetStringAsync("fn/echo-pair/sleep?ms=1500");
        var served = (await Task.WhenAll(a, b)).Select(t => (string)JsonNode.Parse(t)!["instance"]!).ToList();

        Assert.Equal(2, served.Distinct().Count());
        var instances = await fx.InstancesAsync("echo-pair");
        Assert.Equal(2, instances.Count);
    }

    [Fact]
    public async Task Invoke_WritesFcInvokeLinesToTheFunctionLog()
    {
        await fx.DeployAsync(ServerFixture.Echo("echo-logs"));
        using var response = await fx.Http.PostAsync("fn/echo-logs/invoke", new StringContent("hi"));
        var requestId = response.Headers.GetValues("x-fc-request-id").Single();

        var log = await fx.Http.GetStringAsync("api/v1/functions/echo-logs/logs?tail=1000");

        Assert.Contains($"FC Invoke Start RequestId: {requestId}", log);
        Assert.Contains($"FC Invoke End RequestId: {requestId}, Status: 200", log);
        Assert.Contains("echo listening on 9000", log);
        Assert.Contains("FC Initialize End RequestId: init-", log);
    }

    [Fact]
    public async Task Invoke_ClientDeadlinePassesWhileQueued_Is504AndTheQueueIsLeft()
    {
        await fx.DeployAsync(ServerFixture.Echo("echo-deadline", concurrency: 1) with { MaxInstances = 1 });
        await fx.Http.GetStringAsync("fn/echo-deadline/invoke"); // warm
        var busy = fx.Http.GetAsync("fn/echo-deadline/sleep?ms=3000");
        await ServerFixture.Until(async () => (await fx.InstancesAsync("echo-deadline")).Single().InFlight == 1, "the slot is taken");

        using var request = new HttpRequestMessage(HttpMethod.Get, "fn/echo-deadline/invoke");
        request.Headers.Add("x-stasis-deadline-ms", "300");
        using var response = await fx.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        var error = await ReadError(response);
        Assert.Equal("QueueTimeout", error.Code);
        Assert.Contains("0.3s", error.Message);
        var info = await fx.Http.GetStringAsync("api/v1/functions/echo-deadline");
        Assert.Contains("\"queued\":0", info);
        using var done = await busy;
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
    }

    [Fact]
    public async Task Invoke_QueueFull_Is429WithRetryAfter()
    {
        await fx.DeployAsync(ServerFixture.Echo("echo-full", concurrency: 1) with { MaxInstances = 1, MaxQueueLength = 1 });
        await fx.Http.GetStringAsync("fn/echo-full/invoke"); // warm
        var busy = fx.Http.GetAsync("fn/echo-full/sleep?ms=2000");
        await ServerFixture.Until(async () => (await fx.InstancesAsync("echo-full")).Single().InFlight == 1, "the slot is taken");
        var queued = fx.Http.GetAsync("fn/echo-full/invoke");
        await ServerFixture.Until(async () => (await fx.Http.GetStringAsync("api/v1/functions/echo-full")).Contains("\"queued\":1", StringComparison.Ordinal), "one request waits");

        using var response = await fx.Http.GetAsync("fn/echo-full/invoke");

        Assert.Equal((HttpStatusCode)429, response.StatusCode);
        Assert.Equal("QueueFull", (await ReadError(response)).Code);
        Assert.NotNull(response.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.OK, (await busy).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await queued).StatusCode);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("0")]
    [InlineData("-5")]
    public async Task Invoke_InvalidDeadlineHeader_Is400(string value)
    {
        await fx.DeployAsync(ServerFixture.Echo("echo-bad-deadline"));
        using var request = new HttpRequestMessage(HttpMethod.Get, "fn/echo-bad-deadline/invoke");
        request.Headers.TryAddWithoutValidation("x-stasis-deadline-ms", value);

        using var response = await fx.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("InvalidDeadline", (await ReadError(response)).Code);
    }

    internal static async Task<ErrorBody> ReadError(HttpResponseMessage response)
    {
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonSerializer.Deserialize<ErrorBody>(await response.Content.ReadAsStringAsync(), JsonDefaults.Options)!;
    }

    // The host pid of the function's one live instance (a sandboxed function's own getpid() is its namespace's).
    private async Task<int> PidOf(string name)
    {
        using (await fx.Http.GetAsync($"fn/{name}/pid"))
        {
        }

        return (await fx.InstancesAsync(name)).Single(i => i.State is "Ready" or "Busy").Pid!.Value;
    }

    internal static void Signal(int pid, int signal)
    {
        using var kill = System.Diagnostics.Process.Start("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }
}
