using System.Net;
using System.Text;
using System.Text.Json;
using Stasis.Client.Model;
using Stasis.FunctionalTests.Gateway;
using Stasis.Server.Hosting;

namespace Stasis.FunctionalTests.Limits;

/// <summary>A server with small HTTP limits, so that each can be crossed quickly.</summary>
public sealed class HttpLimitsServerFixture : ServerFixture
{
    protected override StasisServerOptions Configure(StasisServerOptions options) => options with
    {
        Limits = new ServerLimits
        {
            MaxRequestHeaderCount = 20,
            MaxRequestHeadersBytes = 4096,
            RequestHeadersTimeout = TimeSpan.FromSeconds(2),
            MinRequestBodyBytesPerSecond = 1000,
            MinDataRateGrace = TimeSpan.FromSeconds(2),
        },
    };
}

/// <summary>
/// What a client gets at each HTTP limit (docs/limits.md): Kestrel's own answer where it refuses before Stasis sees the
/// request (431, 408 with an empty body, the connection closed), JSON where Stasis answers, and the function's rate limit.
/// </summary>
public sealed class HttpLimitsTests(HttpLimitsServerFixture fx) : IClassFixture<HttpLimitsServerFixture>
{
    [Fact]
    public async Task TooManyHeaders_Is431FromKestrel_EmptyBody_ConnectionClosed()
    {
        var headers = string.Concat(Enumerable.Range(0, 30).Select(i => $"X-Extra-{i}: {i}\r\n"));

        var response = await RawHttp.SendAsync(fx.Server.Address, $"GET /api/v1/status HTTP/1.1\r\nHost: x\r\n{headers}\r\n");

        Assert.Equal(431, RawHttp.Status(response));
        Assert.Contains("Content-Length: 0\r\n", response);
        Assert.Contains("Connection: close\r\n", response);
    }

    [Fact]
    public async Task HeadersOverTheSizeLimit_Is431FromKestrel()
    {
        var response = await RawHttp.SendAsync(fx.Server.Address, $"GET /api/v1/status HTTP/1.1\r\nHost: x\r\nX-Big: {new string('a', 8192)}\r\n\r\n");

        Assert.Equal(431, RawHttp.Status(response));
    }

    [Fact]
    public async Task HeadersWithinTheLimits_AreServed()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/status");
        for (var i = 0; i < 15; i++)
        {
            request.Headers.Add($"X-Extra-{i}", new string('a', 100));
        }

        using var response = await fx.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task HeadersThatNeverEnd_Are408FromKestrel_AfterTheHeadersTimeout()
    {
        var response = await RawHttp.SendAsync(fx.Server.Address, "GET /api/v1/status HTTP/1.1\r\nHost: x\r\nX-Slow: still typing");

        Assert.Equal(408, RawHttp.Status(response));
        Assert.Contains("Connection: close\r\n", response);
    }

    [Fact]
    public async Task BodySlowerThanTheMinimumRate_ToAFunction_Is408Json()
    {
        await fx.DeployAsync(ServerFixture.Echo("echo-slow-body"));
        (await fx.Http.GetAsync("fn/echo-slow-body/invoke")).Dispose(); // warm, so the wait is the body's alone

        var response = await RawHttp.TrickleBodyAsync(fx.Server.Address, "POST", "/fn/echo-slow-body/invoke", 100_000);

        Assert.Equal(408, RawHttp.Status(response));
        var error = JsonSerializer.Deserialize<ErrorBody>(RawHttp.Body(response), JsonDefaults.Options)!;
        Assert.Equal("RequestTimeout", error.Code);
        Assert.Equal("the request body came slower than 1000 bytes/s for more than 2s; send it faster (the server's --min-request-rate).", error.Message);
        Assert.NotNull(error.RequestId);
    }

    [Fact]
    public async Task BodySlowerThanTheMinimumRate_ToTheApi_Is408Json()
    {
        var response = await RawHttp.TrickleBodyAsync(fx.Server.Address, "PUT", "/api/v1/functions/slow-deploy", 100_000);

        Assert.Equal(408, RawHttp.Status(response));
        var error = JsonSerializer.Deserialize<ErrorBody>(RawHttp.Body(response), JsonDefaults.Options)!;
        Assert.Equal("RequestTimeout", error.Code);
        Assert.Contains("slower than 1000 bytes/s", error.Message);
        using var missing = await fx.Http.GetAsync("api/v1/functions/slow-deploy");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Theory]
    [InlineData("logs?tail=abc", "InvalidTail")]
    [InlineData("logs?tail=-1", "InvalidTail")]
    [InlineData("logs?follow=maybe", "InvalidFollow")]
    [InlineData("instances?all=2", "InvalidAll")]
    public async Task QueryValuesThatDoNotParse_Are400Json(string query, string code)
    {
        await fx.DeployAsync(ServerFixture.Echo("echo-queries"));

        using var response = await fx.Http.GetAsync($"api/v1/functions/echo-queries/{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(code, (await GatewayTests.ReadError(response)).Code);
    }

    [Fact]
    public async Task MaxRequestsPerSecond_BeyondTheBurst_Is429RateLimitedWithRetryAfter_OtherFunctionsUnaffected()
    {
        // One request per 100 s and a burst of 2: the third in a row cannot be let through however slow the machine.
        await fx.DeployAsync(ServerFixture.Echo("echo-rated") with { MaxRequestsPerSecond = 0.01, Burst = 2 });
        await fx.DeployAsync(ServerFixture.Echo("echo-unrated"));

        using var first = await fx.Http.GetAsync("fn/echo-rated/invoke");
        using var second = await fx.Http.GetAsync("fn/echo-rated/invoke");
        using var third = await fx.Http.GetAsync("fn/echo-rated/invoke");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, second.StatusCode));
        Assert.Equal((HttpStatusCode)429, third.StatusCode);
        var error = await GatewayTests.ReadError(third);
        Assert.Equal("RateLimited", error.Code);
        Assert.StartsWith("function 'echo-rated' takes at most 0.01 requests per second (maxRequestsPerSecond, burst 2); retry after ", error.Message);
        Assert.InRange(third.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 100);
        for (var i = 0; i < 3; i++)
        {
            using var free = await fx.Http.GetAsync("fn/echo-unrated/invoke");
            Assert.Equal(HttpStatusCode.OK, free.StatusCode);
        }
    }

    [Fact]
    public async Task MaxRequestsPerSecond_OutOfRangeOrBurstAlone_IsAnInvalidSpec()
    {
        foreach (var spec in new[] { ServerFixture.Echo("echo-bad-rate") with { MaxRequestsPerSecond = 0 }, ServerFixture.Echo("echo-bad-rate") with { Burst = 5 } })
        {
            using var response = await fx.Http.PutAsync("api/v1/functions/echo-bad-rate",
                new StringContent(JsonSerializer.Serialize(spec, JsonDefaults.Options), Encoding.UTF8, "application/json"));

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var error = await GatewayTests.ReadError(response);
            Assert.Equal("InvalidSpec", error.Code);
            Assert.Contains(spec.Burst is null ? "maxRequestsPerSecond: must be between 0.001 and 1000000" : "burst: burst sizes the maxRequestsPerSecond limit", error.Message);
        }
    }
}
