using System.Diagnostics;
using ImageEmbedding;

var startedAt = Stopwatch.GetTimestamp();

var port = FirstPort("FC_SERVER_PORT", "PORT") ?? 9000;
var modelDir = Environment.GetEnvironmentVariable("MODEL_DIR") is { Length: > 0 } dir
    ? dir
    : Path.Combine(AppContext.BaseDirectory, "model");

var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args });
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.UseUrls($"http://0.0.0.0:{port}");
builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 32 * 1024 * 1024);
builder.Services.AddSingleton(new ModelHost(modelDir, Log));

var app = builder.Build();

app.MapPost("/initialize", (HttpRequest request, ModelHost host) =>
{
    var id = RequestId(request);
    Log($"FC Initialize Start RequestId: {id}");
    var sw = Stopwatch.StartNew();
    var embedder = host.Get();
    var warm = embedder.Embed(ResNetEmbedder.SyntheticPng());
    Log($"warm-up inference: {warm.Embedding.Length} dims, norm {warm.Norm:F3}, {warm.InferenceMs:F1} ms; " +
        $"initialize took {sw.Elapsed.TotalMilliseconds:F0} ms, {Stopwatch.GetElapsedTime(startedAt).TotalMilliseconds:F0} ms since process start");
    Log($"FC Initialize End RequestId: {id}");
    return Results.Text($"Function is initialized, request_id: {id}");
});

app.MapPost("/invoke", async (HttpRequest request, ModelHost host) =>
{
    var id = RequestId(request);
    Log($"FC Invoke Start RequestId: {id}");
    try
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, request.HttpContext.RequestAborted);
        var embedder = host.Get();
        var r = embedder.Embed(body.ToArray());
        Log($"embedded {r.Format} {r.Width}x{r.Height} ({body.Length} bytes) in {r.InferenceMs:F1} ms");
        return Results.Json(new EmbeddingResponse("resnet18", r.Embedding.Length, r.Embedding,
            Math.Round(r.Norm, 6), Math.Round(r.InferenceMs, 3)));
    }
    catch (InvalidImageException e)
    {
        Log($"rejected image: {e.Message}");
        return Results.Json(new ErrorResponse("InvalidImage", e.Message), statusCode: StatusCodes.Status400BadRequest);
    }
    finally
    {
        Log($"FC Invoke End RequestId: {id}");
    }
});

app.MapGet("/pre-stop", (HttpRequest request) =>
{
    Log($"FC PreStop RequestId: {RequestId(request)}");
    return Results.Text("OK");
});

app.MapFallback((HttpContext ctx) => Results.Json(
    new ErrorResponse("NotFound", $"no handler for {ctx.Request.Method} {ctx.Request.Path}"),
    statusCode: StatusCodes.Status404NotFound));

app.Lifetime.ApplicationStarted.Register(() =>
    Log($"listening on http://0.0.0.0:{port} (model dir {modelDir}), " +
        $"{Stopwatch.GetElapsedTime(startedAt).TotalMilliseconds:F0} ms after start"));

app.Lifetime.ApplicationStopping.Register(() => Log("stopping"));

app.Run();

static void Log(string line) => Console.WriteLine($"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {line}");

static string RequestId(HttpRequest request) =>
    request.Headers["x-fc-request-id"].ToString() is { Length: > 0 } id ? id : "-";

static int? FirstPort(params string[] names)
{
    foreach (var name in names)
    {
        if (int.TryParse(Environment.GetEnvironmentVariable(name), out var p) && p is > 0 and < 65536)
        {
            return p;
        }
    }
    return null;
}

internal sealed record EmbeddingResponse(string Model, int Dimensions, float[] Embedding, double Norm, double InferenceMs);

internal sealed record ErrorResponse(string Code, string Message);

/// <summary>Loads the model once, on first use (from /initialize, or /invoke if initialize never ran).</summary>
internal sealed class ModelHost(string modelDir, Action<string> log) : IDisposable
{
    private readonly Lock _gate = new();
    private volatile ResNetEmbedder? _embedder;

    public ResNetEmbedder Get()
    {
        if (_embedder is { } ready)
        {
            return ready;
        }
        lock (_gate)
        {
            if (_embedder is null)
            {
                var sw = Stopwatch.StartNew();
                var e = new ResNetEmbedder(modelDir, log);
                log($"model loaded in {sw.Elapsed.TotalMilliseconds:F0} ms: input {e.InputWidth}x{e.InputHeight}, {e.Dimensions}-dim embedding");
                _embedder = e;
            }
            return _embedder;
        }
    }

    public void Dispose() => _embedder?.Dispose();
}
