using Microsoft.Playwright;
using Stasis.FunctionalTests.Security;
using Stasis.Server.Security;
using static Microsoft.Playwright.Assertions;

namespace Stasis.FunctionalTests.Console;

/// <summary>The console in headless Chromium against a server that requires credentials: the sign-in dialog and what it shows.</summary>
public sealed class ConsoleAuthTests(AuthServerFixture fx, BrowserFixture browser) : IClassFixture<AuthServerFixture>, IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task SignIn_AWrongKeyShowsTheServersMessage_TheRightKeyShowsTheFunctions()
    {
        await fx.DeployAsync(ServerFixture.Echo("console-auth", new() { ["DB_PASSWORD"] = "hunter2-console" }));
        var reader = await fx.CreateKeyAsync("read", "console");
        await using var console = await browser.OpenAsync(fx.Server.Address);
        var page = console.Page;
        var dialog = page.Locator("dialog#sign-in");
        var error = page.Locator("#sign-in-error");
        var token = page.Locator("#sign-in input[name='token']");

        await page.GotoAsync("/console/#/");
        await Expect(dialog).ToBeVisibleAsync();
        await Expect(error).ToHaveTextAsync(AuthResult.Generic);
        await console.ScreenshotAsync("sign-in");

        await token.FillAsync("AKNOTAKEY.wrong");
        await page.Locator("#sign-in button[type='submit']").ClickAsync();
        await Expect(error).ToContainTextAsync("the Bearer token is not an access key");
        await Expect(dialog).ToBeVisibleAsync();

        await token.FillAsync(reader.Value);
        await page.Locator("#sign-in button[type='submit']").ClickAsync();
        await Expect(page.Locator("tr[data-function='console-auth']")).ToBeVisibleAsync();
        await Expect(dialog).Not.ToBeVisibleAsync();
        await Expect(page.Locator("#server-status")).ToContainTextAsync("functions");
        await console.ScreenshotAsync("signed-in");

        // A read key sees the function's environment variables' names, not their values, and the page says why.
        await page.GotoAsync("/console/#/functions/console-auth");
        await Expect(page.Locator("#spec")).ToContainTextAsync("DB_PASSWORD");
        await Expect(page.Locator("#spec")).Not.ToContainTextAsync("hunter2-console");
        await Expect(page.Locator("#redacted")).ToContainTextAsync("an admin key sees them");
    }
}
