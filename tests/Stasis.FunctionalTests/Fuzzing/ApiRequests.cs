using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Stasis.Fuzzing;

namespace Stasis.FunctionalTests.Fuzzing;

/// <summary>A request whose body is a fuzzed JSON document: a function spec or a provision config.</summary>
public sealed record BodyRequest(string Method, string Target, JsonCase Body, string? ContentType)
{
    public override string ToString() => $"{Method} {Target} (Content-Type: {ContentType ?? "none"}) with {Body}";

    public IEnumerable<BodyRequest> Shrink()
    {
        if (ContentType != ApiRequests.Json)
        {
            yield return this with { ContentType = ApiRequests.Json };
        }

        foreach (var body in Body.Shrink())
        {
            yield return this with { Body = body };
        }
    }
}

/// <summary>A request built of a path and query parameters, already in request-target form, and perhaps a body.</summary>
public sealed record PathRequest(string Method, string Path, IReadOnlyList<string> Query, byte[]? Body, string? ContentType)
{
    public string Target => Query.Count == 0 ? Path : Path + "?" + string.Join('&', Query);

    public override string ToString() =>
        $"{Method} {Target}" + (Body is null ? "" : $" (Content-Type: {ContentType ?? "none"}) body ({Body.Length} bytes): {JsonCase.Preview(Body)}");

    public IEnumerable<PathRequest> Shrink()
    {
        if (Body is not null)
        {
            yield return this with { Body = null, ContentType = null };
        }

        for (var i = 0; i < Query.Count; i++)
        {
            yield return this with { Query = [.. Query.Take(i), .. Query.Skip(i + 1)] };
        }
    }
}

/// <summary>
/// Generators of control-API requests: bodies of function specs and provision configs (<see cref="JsonFuzz"/>), GETs of
/// every read endpoint with odd path segments and query values, and any method on any path.
/// </summary>
public static class ApiRequests
{
    public const string Json = "application/json";

    /// <summary>The function the GETs read: deployed, invoked, with instances, logs and metrics.</summary>
    public const string Live = "fuzz-echo";

    /// <summary>The function provision configs go to: its start fails before a process is spawned, so any target is cheap.</summary>
    public const string Provisioned = "fuzz-prov";

    /// <summary>The function random methods may reach (and delete): a twin of <see cref="Provisioned"/>.</summary>
    public const string Random = "fuzz-rnd";

    private static readonly string?[] ContentTypes =
        [Json, Json, Json, Json, null, "text/plain", "application/x-www-form-urlencoded", "application/json; charset=utf-16", "multipart/form-data; boundary=x", "*/*", "application/yaml", "application/json; charset=\"\""];

    /// <summary>Path segments that are not plain names, in request-target form: escapes of every kind, broken ones, dots, long ones.</summary>
    public static readonly string[] OddSegments =
    [
        Segment(" "), Segment("a b"), Segment("ü"), Segment("😀"), Segment("\u202e"), "..", ".", "%zz", "%", "%00", "%2F", "%FF", "%C0%80", "%ED%A0%80", "%2e%2e",
        Segment(new string('x', 65)), Segment(new string('x', 5000)), "fuzz-echo%00", "FUZZ-ECHO", Segment("<script>"), "%7Bname%7D", "*", "%3F", "%23", "'", "$",
        ";", "fuzz-echo;x=1", "~", "%u0041", "+", "a:b", "@", "%25", "%%", "%2", "fuzz-echo.json", "-", "_", "0",
    ];

    private static readonly string[] Names = [Live, Live, Live, Live, Provisioned, "no-such-fn"];

    // Declared before QueryValues, which uses them: static fields are set in the order they are written.
    private static readonly string[] Booleans = Values("true", "false", "", "1", "0", "yes", "TRUE", "maybe", " true", "null");

    private static readonly string[] Times = Values("2024-03-10T08:00:00Z", "2024-03-10", "-1h", "garbage", "", "0001-01-01", "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59.9999999+14:00", "9999-12-31T23:59:59.9999999-14:00", "2024-02-30", "1700000000", "2099-01-01T00:00:00Z", "now");

    /// <summary>Values for each query parameter, in request-target form (escaped where needed).</summary>
    private static readonly Dictionary<string, string[]> QueryValues = new(StringComparer.Ordinal)
    {
        ["since"] = Values("1h", "15m", "30s", "2d", "7d", "0s", "-1h", "1y", "1e9h", "99999999999h", "1.5h", "1h30m", "h", "1", "", " ", "２h",
            "2024-03-10T08:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "now", "1.7976931348623157E+308s", ".h", "1..5h"),
        ["limit"] = Values("1", "0", "-1", "20", "1000", "1001", "abc", "", "2147483648", "1e3", "+5", " 5", "٣"),
        ["from"] = Times, ["to"] = Times,
        ["tail"] = Values("0", "200", "-1", "100000", "100001", "abc", "", "2147483648", "1.5", "+1", "0x10"),
        ["all"] = Booleans, ["follow"] = Booleans, ["instances"] = Booleans,
        ["qualifier"] = Values("LATEST", "latest", "1", "", "LATEST ", "\0"),
        ["function"] = Values(Live, Provisioned, "no-such-fn", "", " ", "a b", "\0", new string('f', 300)),
    };

    /// <summary>The read endpoints: a path with {name} where the function goes, and the query parameters each takes.</summary>
    private static readonly (string Path, string[] Keys)[] Reads =
    [
        ("/api/v1/functions/{name}", []),
        ("/api/v1/functions/{name}/instances", ["all"]),
        ("/api/v1/functions/{name}/logs", ["tail", "follow"]),
        ("/api/v1/functions/{name}/metrics", ["since", "instances"]),
        ("/api/v1/functions/{name}/provision", ["qualifier"]),
        ("/api/v1/functions/{name}/provision/history", ["limit"]),
        ("/api/v1/bill", ["function", "from", "to"]),
        ("/api/v1/provision", []),
        ("/api/v1/functions", []),
        ("/api/v1/status", []),
        ("/metrics", []),
        ("/console/{name}", []),
    ];

    private static readonly string[] ExtraKeys = ["points", "limit", "since", "x", "", "a[b]", "%zz", "=", "tail", "all", "__proto__"];

    private static readonly string[] Methods =
        ["GET", "GET", "POST", "POST", "PUT", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "PROPFIND", "FOO", "get", "M-SEARCH", new string('X', 100)];

    private static readonly string[] Prefixes =
    [
        "/api/v1/functions", $"/api/v1/functions/{Random}", $"/api/v1/functions/{Random}/provision", $"/api/v1/functions/{Random}/provision/history",
        $"/api/v1/functions/{Random}/instances", $"/api/v1/functions/{Random}/logs", $"/api/v1/functions/{Random}/metrics", "/api/v1/bill", "/api/v1/status",
        "/api/v1/provision", "/api/v1", "/api", "/", "/metrics", "/console", "/console/", "/fn/no-such-fn", "/fn", "/api/v2/functions", "//api/v1/status",
    ];

    /// <summary>A function spec (PUT to its name, or POST) or a provision config (PUT), fuzzed.</summary>
    public static Arbitrary<BodyRequest> FunctionBodies(string spec) => Arb.From(
        from post in Gen.Frequency((1, Gen.Constant(true)), (4, Gen.Constant(false)))
        from name in Gen.Frequency((8, Gen.Constant("fuzz-put")), (1, Gen.Elements(OddSegments)))
        from body in JsonFuzz.Cases("function spec", spec)
        from contentType in Gen.Elements(ContentTypes)
        select new BodyRequest(post ? "POST" : "PUT", post ? "/api/v1/functions" : $"/api/v1/functions/{name}", body, contentType),
        r => r.Shrink());

    public static Arbitrary<BodyRequest> ProvisionBodies { get; } = Arb.From(
        from name in Gen.Frequency((8, Gen.Constant(Provisioned)), (1, Gen.Constant("no-such-fn")), (1, Gen.Elements(OddSegments)))
        from qualifier in Gen.Frequency((6, Gen.Constant("")), (1, Gen.Elements(QueryValues["qualifier"].Select(q => "?qualifier=" + q).ToArray())))
        from body in JsonFuzz.Cases("provision config", FuzzDocuments.ProvisionConfig)
        from contentType in Gen.Elements(ContentTypes)
        select new BodyRequest("PUT", $"/api/v1/functions/{name}/provision{qualifier}", body, contentType),
        r => r.Shrink());

    public static Arbitrary<PathRequest> Gets { get; } = Arb.From(
        from read in Gen.Elements(Reads)
        from name in Gen.Frequency((3, Gen.Elements(Names)), (1, Gen.Elements(OddSegments)))
        from query in Query(read.Keys)
        select new PathRequest("GET", read.Path.Replace("{name}", name, StringComparison.Ordinal), query, null, null),
        r => r.Shrink());

    public static Arbitrary<PathRequest> AnyMethodAnyPath(string spec) => Arb.From(
        from method in Gen.Elements(Methods)
        from prefix in Gen.Elements(Prefixes)
        from count in Gen.Frequency((4, Gen.Constant(0)), (3, Gen.Constant(1)), (1, Gen.Choose(2, 4)))
        // Only fuzz-rnd may be reached by name (and deleted); under /fn/ no function that exists, whose answers
        // would be the function's (or, for one that cannot start, the gateway's documented 503).
        from extra in Gen.Frequency(
                (3, Gen.Elements(prefix.StartsWith("/fn", StringComparison.Ordinal) ? ["no-such-fn"] : new[] { Random, Random, "no-such-fn" })),
                (2, Gen.Elements(OddSegments)),
                (1, Gen.Elements("provision", "history", "instances", "logs", "metrics", "functions", "v1", "api")))
            .ArrayOf(count)
        from query in Query(["all", "tail", "since", "limit", "qualifier", "from", "to", "function"])
        from body in Gen.Frequency(
            (3, Gen.Constant<byte[]?>(null)),
            (1, JsonFuzz.Cases("function spec", spec).Select(c => (byte[]?)c.Body)),
            (1, JsonFuzz.Cases("provision config", FuzzDocuments.ProvisionConfig).Select(c => (byte[]?)c.Body)),
            (1, Gen.Choose(0, 255).Select(b => (byte)b).ArrayOf().Select(bytes => (byte[]?)bytes)))
        from contentType in Gen.Elements(ContentTypes)
        select new PathRequest(method, prefix + string.Concat(extra.Select(e => "/" + e)), query, body, body is null ? null : contentType),
        r => r.Shrink());

    /// <summary>Each known parameter now and then, with a value of its own pool or a stranger; sometimes an unknown or repeated one.</summary>
    private static Gen<string[]> Query(string[] keys) =>
        from known in Gen.CollectToArray(keys.Select(key =>
            Gen.Frequency(
                (2, Gen.Constant<string?>(null)),
                (3, Gen.Elements(QueryValues[key]).Select(v => (string?)$"{key}={v}")),
                (1, Gen.Elements(OddSegments).Select(v => (string?)$"{key}={v}")))))
        from extra in Gen.Frequency(
            (5, Gen.Constant(Array.Empty<string>())),
            (1, from key in Gen.Elements(ExtraKeys) from value in Gen.Elements(OddSegments) select new[] { $"{key}={value}" }),
            (1, from key in Gen.Elements(keys.Length > 0 ? keys : ExtraKeys) from a in Gen.Elements(OddSegments) from b in Gen.Elements(OddSegments) select new[] { $"{key}={a}", $"{key}={b}" }),
            (1, Gen.Elements("&", "&&", "=", "a", "a=b=c", "?", "%zz=1").Select(v => new[] { v })))
        select known.Where(k => k is not null).Select(k => k!).Concat(extra).ToArray();

    /// <summary>Percent-encodes what a request-target cannot hold as is (RFC 3986: unreserved, sub-delims, ':' and '@' stay).</summary>
    public static string Segment(string text)
    {
        var result = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            if (char.IsAsciiLetterOrDigit((char)b) || "-._~!$&'()*+,;=:@".Contains((char)b, StringComparison.Ordinal))
            {
                result.Append((char)b);
            }
            else
            {
                result.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return result.ToString();
    }

    private static string[] Values(params string[] values) => values.Select(Segment).ToArray();
}
