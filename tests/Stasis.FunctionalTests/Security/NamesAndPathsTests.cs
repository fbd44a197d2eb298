using System.Net;
using System.Text;
using System.Text.Json;
using Stasis.Client.Model;

namespace Stasis.FunctionalTests.Security;

/// <summary>
/// Names, ids and query values from requests never reach a file or a row they do not name: every endpoint that takes a
/// function name is tried with path tricks, look-alikes and SQL, and must answer 4xx (JSON wherever Stasis answers)
/// without reading or changing anything outside. Canary files sit where an escaped name would land.
/// </summary>
public sealed class NamesAndPathsTests(ServerFixture fx) : IClassFixture<ServerFixture>, IAsyncLifetime
{
    private const string Secret = "CANARY-6f1d2e";

    // URL path segments, as sent (already escaped where needed). A bare ".." is a dot segment that the URL resolves
    // away before any route sees it: DotSegments_AreResolvedBeforeRouting covers it.
    public static TheoryData<string> HostileNames => new()
    {
        "..%2f..%2fcanary",
        "..%2F..%2F..%2Fetc%2Fpasswd",
        "..%5c..%5ccanary",
        "%2e%2e%2fcanary",
        "victim%0a",
        "victim%2f..%2f..%2fcanary",
        "%D0%B5cho", // Cyrillic е + "cho"
        "%EF%BD%85cho", // fullwidth ｅ + "cho"
        "victim'%20OR%20'1'%3D'1",
        "victim%22%3B%20DROP%20TABLE%20functions%3B--",
        "x' UNION SELECT spec_json FROM functions--",
        new string('a', 300),
    };

    private string Outside => Path.GetDirectoryName(fx.DataDirectory)!;

    public async Task InitializeAsync()
    {
        await fx.DeployAsync(ServerFixture.Echo("victim"));
        (await fx.Http.GetAsync("fn/victim/invoke")).Dispose();
        // Where logs/../canary and logs/../../canary would resolve, and a function.log one more level up.
        foreach (var dir in new[] { Path.Combine(fx.DataDirectory, "canary"), Path.Combine(Outside, "canary-" + Path.GetFileName(fx.DataDirectory)) })
        {
            Directory.CreateDirectory(dir);
            await File.WriteAllTextAsync(Path.Combine(dir, "function.log"), Secret + "\n");
        }
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Path.Combine(Outside, "canary-" + Path.GetFileName(fx.DataDirectory)), recursive: true);
        return Task.CompletedTask;
    }

    [Theory]
    [MemberData(nameof(HostileNames))]
    public async Task EveryEndpointTakingAName_Answers4xx_ReadsNothingOutside_ChangesNothing(string name)
    {
        var before = Snapshot();
        var spec = JsonSerializer.Serialize(ServerFixture.Echo("victim"), JsonDefaults.Options);
        var requests = new (HttpMethod Method, string Path, string? Body)[]
        {
            (HttpMethod.Get, $"api/v1/functions/{name}", null),
            (HttpMethod.Put, $"api/v1/functions/{name}", spec),
            (HttpMethod.Delete, $"api/v1/functions/{name}", null),
            (HttpMethod.Get, $"api/v1/functions/{name}/instances", null),
            (HttpMethod.Get, $"api/v1/functions/{name}/logs?tail=100", null),
            (HttpMethod.Get, $"api/v1/functions/{name}/metrics?since=24h", null),
            (HttpMethod.Get, $"api/v1/functions/{name}/invocations?limit=10", null),
            (HttpMethod.Get, $"api/v1/functions/{name}/timeline?since=1h", null),
            (HttpMethod.Get, $"api/v1/functions/{name}/provision", null),
            (HttpMethod.Put, $"api/v1/functions/{name}/provision", """{"defaultTarget": 0}"""),
            (HttpMethod.Delete, $"api/v1/functions/{name}/provision", null),
            (HttpMethod.Get, $"api/v1/functions/{name}/provision/history", null),
            (HttpMethod.Get, $"api/v1/bill?function={name}", null),
            (HttpMethod.Post, $"fn/{name}/invoke", "x"),
        };

        foreach (var (method, path, body) in requests)
        {
            using var request = new HttpRequestMessage(method, path);
            if (body is not null)
            {
                request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            }

            using var response = await fx.Http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var what = $"{method} {path}: {(int)response.StatusCode} {text}";

            Assert.True((int)response.StatusCode is >= 400 and < 500, what);
            Assert.DoesNotContain(Secret, text);
            if (text.Length > 0)
            {
                Assert.StartsWith("application/json", response.Content.Headers.ContentType?.MediaType);
                var error = JsonSerializer.Deserialize<ErrorBody>(text, JsonDefaults.Options)!;
                Assert.Contains(error.Code, new[] { "InvalidFunctionName", "FunctionNotFound", "NotFound", "NameMismatch" });
            }
        }

        Assert.Equal(before, Snapshot());
        Assert.Equal(["victim"], (await ListAsync()).Select(f => f.Spec.FunctionName));
    }

    [Theory]
    [InlineData("GET /api/v1/functions/../logs", "/api/v1/logs")]
    [InlineData("GET /api/v1/functions/%2e%2e/logs", "/api/v1/logs")]
    [InlineData("DELETE /api/v1/functions/%2E%2E", "/api/v1/")]
    [InlineData("GET /api/v1/functions/victim/../../../../etc/passwd", "/etc/passwd")]
    [InlineData("POST /fn/%2e%2e/%2e%2e/canary/function.log", "/canary/function.log")]
    public async Task DotSegments_AreResolvedBeforeRouting_SoNoRouteGetsThemAsAName(string requestLine, string resolved)
    {
        var response = await Limits.RawHttp.SendAsync(fx.Server.Address, $"{requestLine} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");

        Assert.Equal(404, Limits.RawHttp.Status(response));
        var error = JsonSerializer.Deserialize<ErrorBody>(Limits.RawHttp.Body(response), JsonDefaults.Options)!;
        Assert.Equal("NotFound", error.Code);
        Assert.Contains($" {resolved};", error.Message);
        Assert.DoesNotContain(Secret, response);
        Assert.Equal(["victim"], (await ListAsync()).Select(f => f.Spec.FunctionName));
    }

    [Theory]
    [InlineData("..")]
    [InlineData("../canary")]
    [InlineData("%2e%2e")]
    public async Task ADotNameInAQuery_Is400InvalidFunctionName(string name)
    {
        using var response = await fx.Http.GetAsync($"api/v1/bill?function={Uri.EscapeDataString(name)}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("InvalidFunctionName", JsonSerializer.Deserialize<ErrorBody>(await response.Content.ReadAsStringAsync(), JsonDefaults.Options)!.Code);
    }

    [Fact]
    public async Task ANameWithANulByte_IsRefusedByKestrelBeforeStasisSeesIt()
    {
        var response = await Limits.RawHttp.SendAsync(fx.Server.Address, "GET /api/v1/functions/a%00b/logs HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

        Assert.Equal(400, Limits.RawHttp.Status(response));
        Assert.DoesNotContain(Secret, response);
    }

    [Fact]
    public async Task AnInvalidNameInTheUrl_Is400InvalidFunctionName_SayingWhatANameMayHold()
    {
        using var response = await fx.Http.GetAsync("api/v1/functions/..%2f..%2fetc/logs");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonSerializer.Deserialize<ErrorBody>(await response.Content.ReadAsStringAsync(), JsonDefaults.Options)!;
        Assert.Equal("InvalidFunctionName", error.Code);
        Assert.Equal("not a function name: '..%2f..%2fetc' may contain only ASCII letters, digits, '_' and '-', and must start with a letter or '_'.", error.Message);
    }

    [Theory]
    [InlineData("x'; DROP TABLE functions; --")]
    [InlineData("../../canary")]
    [InlineData("victim\n")]
    public async Task ASpecWhoseFunctionNameIsHostile_IsRefused_AndTheStoreIsIntact(string functionName)
    {
        var spec = ServerFixture.Echo("victim") with { FunctionName = functionName };

        using var created = await fx.Http.PostAsync("api/v1/functions",
            new StringContent(JsonSerializer.Serialize(spec, JsonDefaults.Options), Encoding.UTF8, "application/json"));
        using var put = await fx.Http.PutAsync("api/v1/functions/victim",
            new StringContent(JsonSerializer.Serialize(spec, JsonDefaults.Options), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, created.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        Assert.Equal("InvalidSpec", JsonSerializer.Deserialize<ErrorBody>(await created.Content.ReadAsStringAsync(), JsonDefaults.Options)!.Code);
        Assert.Equal("NameMismatch", JsonSerializer.Deserialize<ErrorBody>(await put.Content.ReadAsStringAsync(), JsonDefaults.Options)!.Code);
        Assert.Equal(["victim"], (await ListAsync()).Select(f => f.Spec.FunctionName));
        using var invoked = await fx.Http.GetAsync("fn/victim/invoke");
        Assert.Equal(HttpStatusCode.OK, invoked.StatusCode);
    }

    private async Task<List<FunctionInfo>> ListAsync() =>
        JsonSerializer.Deserialize<List<FunctionInfo>>(await fx.Http.GetStringAsync("api/v1/functions"), JsonDefaults.Options)!;

    /// <summary>
    /// The canary files with their sizes, and every directory under the data directory (a name that got through would
    /// have made one). The store and the logs' contents are left out: the meter, metrics and invocations change them.
    /// </summary>
    private SortedDictionary<string, long> Snapshot()
    {
        var files = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var root in new[] { Path.Combine(fx.DataDirectory, "canary"), Path.Combine(Outside, "canary-" + Path.GetFileName(fx.DataDirectory)) })
        {
            foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
            {
                files[file] = new FileInfo(file).Length;
            }
        }

        foreach (var dir in Directory.EnumerateDirectories(fx.DataDirectory, "*", SearchOption.AllDirectories))
        {
            files[dir + "/"] = 0;
        }

        return files;
    }
}
