using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;

// Loads each console page several times in a fresh browser context (nothing cached), and reports the
// time from navigation to the page's data drawn (the console's 'ready:<page>' mark), the API calls it
// made (time and bytes), and how long each live refresh took while the page stayed open.
var options = BenchOptions.Parse(args);
var pages = new (string Name, string Route, string Ready)[]
{
    ("functions", "/", "functions"),
    ("function", $"/functions/{options.Function}", "function"),
    ("instances", $"/functions/{options.Function}/instances", "instances"),
    ("metrics-15m", $"/functions/{options.Function}/metrics?window=15m", "metrics"),
    ("metrics-1h", $"/functions/{options.Function}/metrics?window=1h", "metrics"),
    ("metrics-24h", $"/functions/{options.Function}/metrics?window=24h", "metrics"),
    ("provision", $"/functions/{options.Function}/provision", "provision"),
    ("bill-24h", $"/bill?period=24h&function={options.Function}", "bill"),
};

using var playwright = await Playwright.CreateAsync();
await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
{
    ExecutablePath = options.Chromium,
    Headless = true,
    Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
});

var results = new List<PageResult>();
foreach (var (name, route, ready) in pages)
{
    var loads = new List<double>();
    var calls = new Dictionary<string, List<(double Ms, long Bytes)>>();
    var refreshes = new List<double>();
    for (var i = 0; i < options.Loads; i++)
    {
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = options.Url, ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        await page.GotoAsync("/console/#" + route);
        await page.Locator($"html[data-ready='{ready}']").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        loads.Add(await page.EvaluateAsync<double>($"() => performance.getEntriesByName('ready:{ready}')[0].startTime"));
        foreach (var call in await page.EvaluateAsync<ApiCall[]>(
            "() => performance.getEntriesByType('resource').filter(e => e.initiatorType === 'fetch' && !e.name.includes('/logs')).map(e => ({ path: new URL(e.name).pathname.replace(/functions\\/[^/]+/, 'functions/{name}'), ms: e.duration, bytes: e.encodedBodySize }))"))
        {
            if (!calls.TryGetValue(call.Path, out var list))
            {
                calls[call.Path] = list = new();
            }

            list.Add((call.Ms, call.Bytes));
        }

        if (i == options.Loads - 1)
        {
            await page.WaitForTimeoutAsync(options.RefreshSeconds * 1000);
            refreshes.AddRange((await page.EvaluateAsync<double[]>("() => performance.getEntriesByName('refresh').map(e => e.duration)")).Skip(1));
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(options.Out, name + ".png"), FullPage = true });
        }
    }

    var slowest = calls.Select(c => (Path: c.Key, Ms: Stats.Median(c.Value.Select(v => v.Ms)), Bytes: (long)Stats.Median(c.Value.Select(v => (double)v.Bytes))))
        .OrderByDescending(c => c.Ms).First();
    results.Add(new PageResult(name, Stats.Median(loads), loads.Max(), refreshes.Count > 0 ? Stats.Median(refreshes) : null, refreshes.Count > 0 ? refreshes.Max() : null, refreshes.Count,
        slowest.Path, slowest.Ms, slowest.Bytes, calls.Values.Sum(v => v.Count) / options.Loads));
    Console.Error.WriteLine($"# {name}: drawn in {Stats.Median(loads):0} ms (median of {options.Loads})");
}

Console.WriteLine();
Console.WriteLine($"{"page",-12} {"drawn p50",10} {"drawn max",10} {"refresh p50",12} {"refresh max",12} {"calls",6}  slowest API call (p50 ms, bytes)");
foreach (var r in results)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{r.Page,-12} {r.DrawnMedianMs,8:0} ms {r.DrawnMaxMs,7:0} ms {Ms(r.RefreshMedianMs),12} {Ms(r.RefreshMaxMs),12} {r.CallsPerLoad,6}  {r.SlowestCall} {r.SlowestCallMs:0.0} ms, {r.SlowestCallBytes:N0} B"));
}

var json = JsonSerializer.Serialize(new { loads = options.Loads, refresh_seconds = options.RefreshSeconds, pages = results }, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });
Console.WriteLine(json);
return 0;

static string Ms(double? v) => v is { } x ? string.Create(CultureInfo.InvariantCulture, $"{x:0} ms") : "–";

internal sealed class ApiCall
{
    public string Path { get; set; } = "";
    public double Ms { get; set; }
    public long Bytes { get; set; }
}

internal sealed record PageResult(string Page, double DrawnMedianMs, double DrawnMaxMs, double? RefreshMedianMs, double? RefreshMaxMs, int Refreshes,
    string SlowestCall, double SlowestCallMs, long SlowestCallBytes, int CallsPerLoad);

internal static class Stats
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

internal sealed record BenchOptions(string Url, string Function, int Loads, int RefreshSeconds, string Chromium, string Out)
{
    public static BenchOptions Parse(string[] args)
    {
        string? url = null, function = null, chromium = "/usr/bin/chromium", output = Path.GetTempPath();
        int loads = 5, refresh = 10;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--url": url = Next(); break;
                case "--function": function = Next(); break;
                case "--loads": loads = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--refresh-seconds": refresh = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--chromium": chromium = Next(); break;
                case "--out": output = Next(); break;
                default: throw new ArgumentException($"unknown option {args[i]}; use --url URL --function NAME [--loads N] [--refresh-seconds S] [--chromium PATH] [--out DIR]");
            }
        }

        if (url is null || function is null || loads is < 1 or > 50 || refresh is < 0 or > 600)
        {
            throw new ArgumentException("need --url and --function, 1 <= --loads <= 50 and 0 <= --refresh-seconds <= 600");
        }

        Directory.CreateDirectory(output);
        return new BenchOptions(url, function, loads, refresh, chromium, output);
    }
}
