using Microsoft.Playwright;

namespace Stasis.FunctionalTests.Console;

/// <summary>
/// Headless Chromium (Debian's <c>chromium</c> package, or <c>STASIS_CHROMIUM</c>) driven by Playwright, one
/// browser for a test class. Screenshots go to <c>TestResults/console/</c> at the repository root.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public static string ScreenshotDirectory { get; } = Path.Combine(RepositoryRoot.Path, "TestResults", "console");

    public async Task InitializeAsync()
    {
        var chromium = Environment.GetEnvironmentVariable("STASIS_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";
        if (!File.Exists(chromium))
        {
            throw new InvalidOperationException($"the console tests need Chromium at {chromium}: apt-get install -y chromium (or set STASIS_CHROMIUM).");
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
        });
    }

    /// <summary>A fresh page on the server's console with the errors it raises collected.</summary>
    public async Task<ConsolePage> OpenAsync(Uri server)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = server.ToString(),
            ViewportSize = new ViewportSize { Width = 1400, Height = 1000 },
        });
        await context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"], new BrowserContextGrantPermissionsOptions { Origin = server.GetLeftPart(UriPartial.Authority) });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        return new ConsolePage(page);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}

/// <summary>A browser page on the console: navigation that waits for a page to draw, screenshots, and script errors seen.</summary>
public sealed class ConsolePage : IAsyncDisposable
{
    private readonly List<string> _errors = new();

    public ConsolePage(IPage page)
    {
        Page = page;
        page.PageError += (_, error) => { lock (_errors) { _errors.Add(error); } };
    }

    public IPage Page { get; }

    /// <summary>Opens /console/#route and waits until the page says it has drawn its data.</summary>
    public async Task GoAsync(string route, string ready)
    {
        await Page.GotoAsync("/console/#" + route);
        await Page.Locator($"html[data-ready='{ready}']").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
    }

    public async Task ScreenshotAsync(string name)
    {
        Directory.CreateDirectory(BrowserFixture.ScreenshotDirectory);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, name + ".png"), FullPage = true });
    }

    /// <summary>Uncaught script errors on the page so far.</summary>
    public IReadOnlyList<string> Errors
    {
        get { lock (_errors) { return _errors.ToList(); } }
    }

    public async ValueTask DisposeAsync()
    {
        Assert.True(Errors.Count == 0, "the console raised script errors: " + string.Join("; ", Errors));
        await Page.Context.CloseAsync();
    }
}
