using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Stasis.Client.Model;

namespace Stasis.FunctionalTests.Gateway;

/// <summary>
/// FC's session affinity through the real gateway: a session's requests reach the instance that holds it, a new
/// session beyond sessionConcurrencyPerInstance starts a new instance, ids come from the client or the server
/// (header, cookie) or from the function's own answer (MCP SSE, MCP Streamable HTTP), a frozen instance is thawed
/// for its session, and the sessions each instance holds show in the API.
/// </summary>
public sealed class SessionAffinityTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    private static string McpDirectory => Path.Combine(AppContext.BaseDirectory, "TestFunctions", "mcp");

    private static FunctionSpec WithSessions(FunctionSpec spec, string type, SessionAffinityConfig? config, int maxInstances = 4) => spec with
    {
        SessionAffinity = type,
        SessionAffinityConfig = config,
        MaxInstances = maxInstances,
    };

    private static FunctionSpec Mcp(string name) => ServerFixture.Echo(name, methods: ["GET", "POST", "DELETE"]) with
    {
        CustomContainerConfig = new CustomContainerConfig { Entrypoint = ["python3"], Command = ["app.py"], Port = 9000 },
        Code = McpDirectory,
        InstanceLifecycleConfig = null,
    };

    private async Task<(HttpResponseMessage Response, JsonNode Body)> SendAsync(HttpMethod method, string url, Action<HttpRequestMessage>? headers = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (method == HttpMethod.Post)
        {
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }

        headers?.Invoke(request);
        var response = await fx.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response, JsonNode.Parse(text)!);
    }

    private static string InstanceOf(JsonNode body) => (string)body["instance"]!;

    [Fact]
    public async Task Client_header_ids_keep_their_instance_and_a_session_beyond_the_cap_starts_another()
    {
        await fx.DeployAsync(WithSessions(ServerFixture.Echo("s-header"), SessionAffinityTypes.HeaderField,
            new SessionAffinityConfig { AffinityHeaderFieldName = "x-chat-session", SessionConcurrencyPerInstance = 1 }));

        var a = new List<string>();
        var b = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var (ra, bodyA) = await SendAsync(HttpMethod.Get, "fn/s-header/chat", r => r.Headers.Add("x-chat-session", "alice"));
            var (rb, bodyB) = await SendAsync(HttpMethod.Get, "fn/s-header/chat", r => r.Headers.Add("x-chat-session", "bob"));
            Assert.Equal(HttpStatusCode.OK, ra.StatusCode);
            Assert.Equal(HttpStatusCode.OK, rb.StatusCode);
            Assert.Equal("alice", (string?)bodyA["headers"]!["x-chat-session"]);
            a.Add(InstanceOf(bodyA));
            b.Add(InstanceOf(bodyB));
        }

        Assert.Single(a.Distinct());
        Assert.Single(b.Distinct());
        Assert.NotEqual(a[0], b[0]);
        var instances = await fx.InstancesAsync("s-header");
        Assert.Equal(2, instances.Count);
        Assert.All(instances, i => Assert.Equal(1, i.Sessions));

        var sessions = (await fx.Http.GetFromJsonAsync<List<SessionInfo>>("api/v1/functions/s-header/sessions", JsonDefaults.Options))!;
        Assert.Equal(["alice", "bob"], sessions.Select(s => s.Id).Order());
        Assert.Equal(a[0], sessions.Single(s => s.Id == "alice").InstanceId);
        Assert.All(sessions, s => Assert.True(s.ExpiresAt > s.LastUsedAt));
        var info = (await fx.Http.GetFromJsonAsync<FunctionInfo>("api/v1/functions/s-header", JsonDefaults.Options))!;
        Assert.Equal(2, info.Sessions);
    }

    [Fact]
    public async Task Without_an_id_the_server_makes_one_and_answers_with_it()
    {
        await fx.DeployAsync(WithSessions(ServerFixture.Echo("s-made"), SessionAffinityTypes.HeaderField,
            new SessionAffinityConfig { AffinityHeaderFieldName = "mySessionId" }));

        var (first, firstBody) = await SendAsync(HttpMethod.Get, "fn/s-made/");
        var id = first.Headers.GetValues("mySessionId").Single();
        Assert.Matches("^[0-9a-f]{32}$", id);
        Assert.Equal(id, (string?)firstBody["headers"]!["mysessionid"]); // the function sees the id it was given

        var (again, againBody) = await SendAsync(HttpMethod.Get, "fn/s-made/", r => r.Headers.Add("mySessionId", id));
        Assert.False(again.Headers.Contains("mySessionId")); // an existing session is not announced again
        Assert.Equal(InstanceOf(firstBody), InstanceOf(againBody));
    }

    [Fact]
    public async Task A_malformed_header_id_is_refused_with_the_rule()
    {
        await fx.DeployAsync(WithSessions(ServerFixture.Echo("s-bad"), SessionAffinityTypes.HeaderField,
            new SessionAffinityConfig { AffinityHeaderFieldName = "x-chat-session" }));

        var (response, body) = await SendAsync(HttpMethod.Get, "fn/s-bad/", r => r.Headers.Add("x-chat-session", "-not/ok"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("InvalidSessionId", (string?)body["code"]);
        Assert.Contains("1 to 64 letters, digits", (string?)body["message"]);
    }

    [Fact]
    public async Task The_cookie_is_set_on_the_first_answer_and_brings_the_client_back()
    {
        await fx.DeployAsync(WithSessions(ServerFixture.Echo("s-cookie"), SessionAffinityTypes.Cookie,
            new SessionAffinityConfig { SessionTtlInSeconds = 600 }));

        var (first, firstBody) = await SendAsync(HttpMethod.Get, "fn/s-cookie/page");
        var cookie = first.Headers.GetValues("Set-Cookie").Single();
        Assert.Matches("^x-fc-cookie-session-id=[0-9a-f]{32}; Max-Age=600; Path=/fn/s-cookie; HttpOnly; SameSite=Lax$", cookie);

        var pair = cookie.Split(';')[0];
        for (var i = 0; i < 3; i++)
        {
            var (again, body) = await SendAsync(HttpMethod.Get, "fn/s-cookie/page", r => r.Headers.Add("Cookie", pair));
            Assert.False(again.Headers.Contains("Set-Cookie"));
            Assert.Equal(InstanceOf(firstBody), InstanceOf(body));
        }
    }

    [Fact]
    public async Task At_maxInstances_with_every_instance_full_a_new_session_is_told_to_retry()
    {
        await fx.DeployAsync(WithSessions(ServerFixture.Echo("s-full"), SessionAffinityTypes.HeaderField,
            new SessionAffinityConfig { AffinityHeaderFieldName = "x-chat-session", SessionConcurrencyPerInstance = 1 }, maxInstances: 1));
        var (held, _) = await SendAsync(HttpMethod.Get, "fn/s-full/", r => r.Headers.Add("x-chat-session", "first"));
        Assert.Equal(HttpStatusCode.OK, held.StatusCode);

        var (refused, body) = await SendAsync(HttpMethod.Get, "fn/s-full/", r => r.Headers.Add("x-chat-session", "second"));

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("SessionLimitReached", (string?)body["code"]);
        Assert.Contains("holds 1 sessions on each of its 1 instances", (string?)body["message"]);
        Assert.NotNull(refused.Headers.RetryAfter);
        // The held session still works.
        var (still, _) = await SendAsync(HttpMethod.Get, "fn/s-full/", r => r.Headers.Add("x-chat-session", "first"));
        Assert.Equal(HttpStatusCode.OK, still.StatusCode);
    }

    [Fact]
    public async Task A_sessions_frozen_instance_is_thawed_for_it_not_bypassed()
    {
        await fx.DeployAsync(WithSessions(ServerFixture.Echo("s-idle"), SessionAffinityTypes.HeaderField,
            new SessionAffinityConfig { AffinityHeaderFieldName = "x-chat-session", SessionConcurrencyPerInstance = 1 }));
        using (var put = await fx.Http.PutAsync("api/v1/functions/s-idle/provision", new StringContent("""{"defaultTarget": 2, "alwaysAllocateCPU": false}""", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        await ServerFixture.Until(async () => (await fx.InstancesAsync("s-idle")) is [{ State: "Frozen" }, { State: "Frozen" }], "two frozen provisioned instances");
        var (first, firstBody) = await SendAsync(HttpMethod.Get, "fn/s-idle/", r => r.Headers.Add("x-chat-session", "alice"));
        Assert.Equal("thawed", first.Headers.GetValues("x-stasis-instance-state").Single());
        var home = InstanceOf(firstBody);

        for (var i = 0; i < 3; i++)
        {
            // Frozen again between requests: the session's instance is thawed, the other frozen one is not taken instead.
            await ServerFixture.Until(async () => (await fx.InstancesAsync("s-idle")).All(x => x.State == "Frozen"), "both frozen again");
            var (again, body) = await SendAsync(HttpMethod.Get, "fn/s-idle/", r => r.Headers.Add("x-chat-session", "alice"));
            Assert.Equal("thawed", again.Headers.GetValues("x-stasis-instance-state").Single());
            Assert.Equal(home, InstanceOf(body));
        }

        Assert.Equal(1, (await fx.InstancesAsync("s-idle")).Single(i => i.Id == home).Sessions);
    }

    [Fact]
    public async Task Mcp_sse_messages_reach_the_instance_whose_stream_named_their_session()
    {
        await fx.DeployAsync(WithSessions(Mcp("s-sse"), SessionAffinityTypes.McpSse, new SessionAffinityConfig { SessionConcurrencyPerInstance = 1 }));

        using var streams = new HttpClient { BaseAddress = fx.Http.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var opened = new List<(HttpResponseMessage Response, StreamReader Reader, string Endpoint)>();
        for (var i = 0; i < 2; i++)
        {
            var response = await streams.GetAsync("fn/s-sse/sse", HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            Assert.Equal("event: endpoint", await reader.ReadLineAsync());
            var data = (await reader.ReadLineAsync())!;
            Assert.StartsWith("data: /messages/?session_id=", data);
            opened.Add((response, reader, data["data: ".Length..]));
        }

        var homes = new List<string>();
        foreach (var (_, _, endpoint) in opened)
        {
            for (var i = 0; i < 3; i++)
            {
                var (message, body) = await SendAsync(HttpMethod.Post, "fn/s-sse" + endpoint);
                Assert.True(message.StatusCode == HttpStatusCode.Accepted, $"{endpoint}: {(int)message.StatusCode} {body.ToJsonString()}");
                Assert.True((bool)body["known"]!, $"{endpoint} reached an instance that did not make it");
                homes.Add(InstanceOf(body));
            }
        }

        Assert.Equal(2, homes.Distinct().Count()); // one session per instance: the second stream started a second one
        Assert.Equal(2, (await fx.Http.GetFromJsonAsync<List<SessionInfo>>("api/v1/functions/s-sse/sessions", JsonDefaults.Options))!.Count);

        // The session lives as long as its stream.
        opened[0].Reader.Dispose();
        opened[0].Response.Dispose();
        await ServerFixture.Until(async () => (await fx.Http.GetFromJsonAsync<List<SessionInfo>>("api/v1/functions/s-sse/sessions", JsonDefaults.Options))!.Count == 1, "the closed stream's session ended");
        opened[1].Reader.Dispose();
        opened[1].Response.Dispose();
    }

    [Fact]
    public async Task Mcp_streamable_follows_the_functions_session_header_until_delete()
    {
        await fx.DeployAsync(WithSessions(Mcp("s-stream"), SessionAffinityTypes.McpStreamable, new SessionAffinityConfig { SessionConcurrencyPerInstance = 1 }));

        var ids = new List<(string Id, string Instance)>();
        for (var i = 0; i < 2; i++)
        {
            var (init, body) = await SendAsync(HttpMethod.Post, "fn/s-stream/mcp");
            ids.Add((init.Headers.GetValues("Mcp-Session-Id").Single(), InstanceOf(body)));
        }

        Assert.NotEqual(ids[0].Instance, ids[1].Instance);
        foreach (var (id, instance) in ids)
        {
            var (call, body) = await SendAsync(HttpMethod.Post, "fn/s-stream/mcp", r => r.Headers.Add("Mcp-Session-Id", id));
            Assert.Equal(HttpStatusCode.OK, call.StatusCode);
            Assert.True((bool)body["known"]!);
            Assert.Equal(instance, InstanceOf(body));
        }

        var (deleted, _) = await SendAsync(HttpMethod.Delete, "fn/s-stream/mcp", r => r.Headers.Add("Mcp-Session-Id", ids[0].Id));
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        var left = (await fx.Http.GetFromJsonAsync<List<SessionInfo>>("api/v1/functions/s-stream/sessions", JsonDefaults.Options))!;
        Assert.Equal(ids[1].Id, Assert.Single(left).Id);
    }

    [Fact]
    public async Task Sessions_of_a_function_without_affinity_say_how_to_turn_it_on()
    {
        await fx.DeployAsync(ServerFixture.Echo("s-none"));

        using var response = await fx.Http.GetAsync("api/v1/functions/s-none/sessions");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("set sessionAffinity", await response.Content.ReadAsStringAsync());
    }
}
