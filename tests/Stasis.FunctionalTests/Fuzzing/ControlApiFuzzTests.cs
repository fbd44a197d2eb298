using System.Text.Json;
using System.Text.Json.Nodes;
using Stasis.Fuzzing;

namespace Stasis.FunctionalTests.Fuzzing;

/// <summary>
/// The control API over real HTTP, fuzzed: function specs and provision configs mutated in every way
/// (<see cref="JsonFuzz"/>), every read endpoint with odd names and query values, any method on any path.
/// Whatever arrives, the server answers: never 5xx, never a dropped connection, and every answer from 400 up is
/// JSON with a <c>code</c> and a <c>message</c>. The exceptions are Kestrel's own bare answers, sent before any of
/// the server's code runs: 400 for a path with an encoded NUL (<c>%00</c>), 414 for a request line over 8 KB. After each property the server
/// still answers <c>/api/v1/status</c> and the lists of functions, provision configs and the bill, which show whatever
/// the fuzzing stored. <c>STASIS_FUZZ_CASES</c> sets the cases per property.
/// </summary>
public sealed class ControlApiFuzzTests(FuzzServerFixture fx) : IClassFixture<FuzzServerFixture>
{
    [Fact]
    public async Task FunctionSpecs_Mutated_AnsweredWithout5xx()
    {
        FuzzRun.Check("api-functions", ApiRequests.FunctionBodies(fx.FunctionSpec), r => Send(r.Method, r.Target, r.Body.Body, r.ContentType), defaultCases: 150);
        await StillServes();
    }

    [Fact]
    public async Task ProvisionConfigs_Mutated_AnsweredWithout5xx()
    {
        FuzzRun.Check("api-provision", ApiRequests.ProvisionBodies, r => Send(r.Method, r.Target, r.Body.Body, r.ContentType), defaultCases: 150);
        await StillServes();
    }

    [Fact]
    public async Task ReadEndpoints_OddNamesAndQueries_AnsweredWithout5xx()
    {
        FuzzRun.Check("api-reads", ApiRequests.Gets, r => Send(r.Method, r.Target, r.Body, r.ContentType), defaultCases: 200);
        await StillServes();
    }

    [Fact]
    public async Task AnyMethodAnyPath_AnsweredWithout5xx()
    {
        FuzzRun.Check("api-any", ApiRequests.AnyMethodAnyPath(fx.FunctionSpec), r => Send(r.Method, r.Target, r.Body, r.ContentType), defaultCases: 150);
        await StillServes();
    }

    /// <summary>Sends one request; the label is the status and, for an error, its code ("400 InvalidJson").</summary>
    private string Send(string method, string target, byte[]? body, string? contentType)
    {
        var answer = RawHttp.SendAsync(fx.Server.Address, method, target, body, contentType).GetAwaiter().GetResult();
        Assert.True(answer.Status < 500, $"answered {answer.Status}: {answer.Text}");
        if (answer.Status < 400)
        {
            return answer.Status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (answer.Status == 400 && target.Contains("%00", StringComparison.Ordinal) && !answer.Headers.ContainsKey("content-type") && answer.Body.Length == 0)
        {
            // Kestrel refuses a path with an encoded NUL itself, before any of the server's code runs, with a bare 400.
            return "400 (Kestrel: NUL in path)";
        }

        if (answer.Status == 414 && method.Length + target.Length > 8 * 1024 - 16 && answer.Body.Length == 0)
        {
            // So is a request line over Kestrel's 8 KB, with a bare 414.
            return "414 (Kestrel: request line over 8 KB)";
        }

        Assert.True(answer.Headers.TryGetValue("content-type", out var type) && type.StartsWith("application/json", StringComparison.Ordinal),
            $"answered {answer.Status} with Content-Type {type ?? "none"}, not JSON: {answer.Text}");
        if (method == "HEAD")
        {
            return $"{answer.Status} (HEAD)";
        }

        JsonObject? error;
        try
        {
            error = JsonNode.Parse(answer.Body) as JsonObject;
        }
        catch (JsonException e)
        {
            throw new Xunit.Sdk.XunitException($"answered {answer.Status} with a body that is not JSON ({e.Message}): {answer.Text}");
        }

        var code = error?["code"] is JsonValue c && c.TryGetValue<string>(out var s) ? s : null;
        var message = error?["message"] is JsonValue m && m.TryGetValue<string>(out var t) ? t : null;
        Assert.False(string.IsNullOrWhiteSpace(code), $"answered {answer.Status} without a code: {answer.Text}");
        Assert.False(string.IsNullOrWhiteSpace(message), $"answered {answer.Status} without a message: {answer.Text}");
        return $"{answer.Status} {code}";
    }

    /// <summary>The server still answers, and so do the lists, which show everything the fuzzing stored.</summary>
    private async Task StillServes()
    {
        foreach (var path in new[] { "api/v1/status", "api/v1/functions", "api/v1/provision", "api/v1/bill" })
        {
            using var answer = await fx.Http.GetAsync(path);
            Assert.True(answer.IsSuccessStatusCode, $"/{path} answered {(int)answer.StatusCode} after the fuzzing: {await answer.Content.ReadAsStringAsync()}");
        }
    }
}
