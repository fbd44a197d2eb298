using System.Net;
using System.Text;
using Stasis.Client;
using Stasis.Client.Model;

namespace Stasis.Tests.Client;

public sealed class StasisClientTests
{
    private sealed class StubHandler(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        public List<HttpRequestMessage> Requests { get; } = [];
        public List<string?> Bodies { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            Bodies.Add(request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken));
            return answer(request);
        }
    }

    private static (StasisClient Client, StubHandler Handler) Create(Func<HttpRequestMessage, HttpResponseMessage> answer)
    {
        var handler = new StubHandler(answer);
        return (new StasisClient(new HttpClient(handler) { BaseAddress = new Uri("http://stasis.test/") }), handler);
    }

    private static HttpResponseMessage Json(HttpStatusCode status, string json) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    [Fact]
    public async Task NotFoundCarriesTheServersErrorBody()
    {
        var (client, handler) = Create(_ => Json(HttpStatusCode.NotFound, """{"code":"FunctionNotFound","message":"function 'x' does not exist","requestId":"r-1"}"""));

        var e = await Assert.ThrowsAsync<StasisApiException>(() => client.GetFunctionAsync("x"));

        Assert.Equal(HttpStatusCode.NotFound, e.StatusCode);
        Assert.Equal("FunctionNotFound", e.Code);
        Assert.Equal("r-1", e.RequestId);
        Assert.Equal("FunctionNotFound: function 'x' does not exist", e.Message);
        Assert.Equal("http://stasis.test/api/v1/functions/x", handler.Requests[0].RequestUri!.ToString());
    }

    [Fact]
    public async Task InvalidSpecKeepsItsDetails()
    {
        var (client, handler) = Create(_ => Json(HttpStatusCode.BadRequest, """{"code":"InvalidSpec","message":"2 problems","details":["timeout: must be > 0","port: out of range"]}"""));

        var e = await Assert.ThrowsAsync<StasisApiException>(() => client.DeployAsync(new FunctionSpec { FunctionName = "f", Timeout = 0 }));

        Assert.Equal(["timeout: must be > 0", "port: out of range"], e.Details);
        Assert.Equal(HttpMethod.Put, handler.Requests[0].Method);
        Assert.Contains("\"functionName\":\"f\"", handler.Bodies[0], StringComparison.Ordinal);
        Assert.Equal("application/json", handler.Requests[0].Content!.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task ErrorsThatAreNotJsonStillSayWhatHappened()
    {
        var (client, _) = Create(_ => new HttpResponseMessage(HttpStatusCode.BadGateway) { Content = new StringContent("upstream died"), ReasonPhrase = "Bad Gateway" });

        var e = await Assert.ThrowsAsync<StasisApiException>(() => client.GetStatusAsync());

        Assert.Equal("BadGateway", e.Code);
        Assert.Equal("HTTP 502 Bad Gateway: upstream died", e.Error.Message);
    }

    [Fact]
    public async Task DeserializesControlAnswers()
    {
        var (client, handler) = Create(r => r.RequestUri!.AbsolutePath switch
        {
            "/api/v1/functions" => Json(HttpStatusCode.OK, """[{"spec":{"functionName":"a","timeout":9},"version":2,"createdAt":"2025-01-01T00:00:00Z","updatedAt":"2025-01-01T00:00:00Z","url":"http://x/fn/a","instances":{"ready":1,"outdated":1}}]"""),
            "/api/v1/functions/a/instances" => Json(HttpStatusCode.OK, """[{"id":"i1","functionName":"a","state":"ready","version":2,"startedAt":"2025-01-01T00:00:00Z","slots":4}]"""),
            _ => new HttpResponseMessage(HttpStatusCode.NoContent),
        });

        var functions = await client.ListFunctionsAsync();
        var instances = await client.ListInstancesAsync("a", all: true);
        await client.DeleteFunctionAsync("a");

        Assert.Equal("a", functions[0].Spec.FunctionName);
        Assert.Equal(9, functions[0].Spec.Timeout);
        Assert.Equal(1, functions[0].Instances.Outdated);
        Assert.Equal(4, instances[0].Slots);
        Assert.Equal("?all=true", handler.Requests[1].RequestUri!.Query);
        Assert.Equal(HttpMethod.Delete, handler.Requests[2].Method);
    }

    [Fact]
    public async Task ConsoleQueries_AskTheRightUrlsAndReadTheAnswers()
    {
        var (client, handler) = Create(r => r.RequestUri!.AbsolutePath switch
        {
            "/api/v1/functions/a/invocations" => Json(HttpStatusCode.OK, """{"functionName":"a","invocations":[{"requestId":"r-1","startedAt":"2026-03-01T00:00:00Z","method":"GET","path":"/x","status":200,"functionError":false,"durationMs":1.5,"queueMs":null,"instanceId":"a-1","arrival":"cold"}]}"""),
            "/api/v1/functions/a/timeline" => Json(HttpStatusCode.OK, """{"functionName":"a","since":"2026-03-01T00:00:00Z","until":"2026-03-01T00:15:00Z","instances":[{"instanceId":"a-1","kind":"provisioned","state":"frozen","segments":[{"state":"warm","from":"2026-03-01T00:00:00Z","to":"2026-03-01T00:01:00Z"},{"state":"frozen","from":"2026-03-01T00:01:00Z","to":"2026-03-01T00:15:00Z"}]}]}"""),
            _ => Json(HttpStatusCode.OK, """{"functionName":"a","intervalSeconds":60,"since":"2026-03-01T00:00:00Z","until":"2026-03-02T00:00:00Z","points":[{"invocations":7}]}"""),
        });

        var invocations = await client.GetInvocationsAsync("a", limit: 20);
        var timeline = await client.GetTimelineAsync("a", "15m");
        var metrics = await client.GetMetricsAsync("a", "24h", points: 200);

        Assert.Equal("?limit=20", handler.Requests[0].RequestUri!.Query);
        var invocation = Assert.Single(invocations.Invocations);
        Assert.Equal(("r-1", 200, "cold", (double?)null), (invocation.RequestId, invocation.Status, invocation.Arrival, invocation.QueueMs));
        Assert.Equal("?since=15m", handler.Requests[1].RequestUri!.Query);
        Assert.Equal(["warm", "frozen"], timeline.Instances.Single().Segments.Select(s => s.State));
        Assert.Equal("?points=200&since=24h", handler.Requests[2].RequestUri!.Query);
        Assert.Equal(7, metrics.Points.Single().Invocations);
    }

    [Fact]
    public async Task LogsStreamLineByLine()
    {
        var (client, handler) = Create(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("one\ntwo\r\nthree") });

        var lines = new List<string>();
        await foreach (var line in client.GetLogsAsync("f", tail: 3, follow: false))
        {
            lines.Add(line);
        }

        Assert.Equal(["one", "two", "three"], lines);
        Assert.Equal("?follow=false&tail=3", handler.Requests[0].RequestUri!.Query);
    }

    [Fact]
    public async Task InvokePutsContentHeadersOnTheBodyAndReturnsAnyStatus()
    {
        var (client, handler) = Create(_ =>
        {
            var response = Json(HttpStatusCode.InternalServerError, """{"code":"FunctionCrashed","message":"exit 1"}""");
            response.Headers.Add("x-fc-request-id", "req-9");
            return response;
        });

        await using var response = await client.InvokeAsync(new InvokeRequest
        {
            FunctionName = "f",
            Path = "invoke",
            Method = "post",
            Headers = [new("Content-Type", "text/plain"), new("X-Trace", "t1")],
            Body = new MemoryStream("hi"u8.ToArray()),
        });

        var request = handler.Requests[0];
        Assert.Equal("http://stasis.test/fn/f/invoke", request.RequestUri!.ToString());
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("text/plain", request.Content!.Headers.ContentType!.ToString());
        Assert.Equal("t1", request.Headers.GetValues("X-Trace").Single());
        Assert.Equal("hi", handler.Bodies[0]);

        Assert.Equal(500, response.StatusCode);
        Assert.Equal("req-9", response.RequestId);
        var body = await response.ReadBodyAsync();
        Assert.Equal("FunctionCrashed", response.TryParseGatewayError(body)!.Code);
    }

    [Fact]
    public void AFunctionsOwnJsonErrorIsNotTakenForTheGateways()
    {
        using var message = Json(HttpStatusCode.BadRequest, """{"error":"bad input"}""");
        using var response = new InvokeResponse(message, Stream.Null);
        Assert.Null(response.TryParseGatewayError("""{"error":"bad input"}"""u8));
    }

    [Fact]
    public async Task ConnectionRefusedIsUnreachable()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var client = new StasisClient(new Uri($"http://127.0.0.1:{port}"));

        var e = await Assert.ThrowsAsync<StasisUnreachableException>(() => client.GetStatusAsync());

        Assert.Contains($"cannot reach the Stasis server at http://127.0.0.1:{port}", e.Message, StringComparison.Ordinal);
    }
}
