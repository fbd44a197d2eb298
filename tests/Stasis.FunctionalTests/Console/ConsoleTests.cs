using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using Stasis.Client.Model;
using static Microsoft.Playwright.Assertions;

namespace Stasis.FunctionalTests.Console;

/// <summary>
/// The web console in headless Chromium against a real server running the shipped text-classifier sample:
/// every page, what it shows and what it refuses. Each test leaves a screenshot in TestResults/console/.
/// </summary>
public sealed class ConsoleTests(ConsoleServerFixture fx, BrowserFixture browser) : IClassFixture<ConsoleServerFixture>, IClassFixture<BrowserFixture>
{
    private static readonly LocatorAssertionsToBeVisibleOptions Soon = new() { Timeout = 30_000 };

    [Fact]
    public async Task Functions_ListsTheFunctionWithItsTriggerUrlAndCopiesIt()
    {
        var info = await fx.DeploySampleAsync("console-list");
        await using var console = await browser.OpenAsync(fx.Server.Address);

        await console.GoAsync("/", "functions");
        var row = console.Page.Locator("tr[data-function='console-list']");
        await Expect(row).ToBeVisibleAsync();
        await Expect(row.Locator("code")).ToHaveTextAsync(info.Url);
        await row.GetByRole(AriaRole.Button, new() { Name = "Copy" }).ClickAsync();
        Assert.Equal(info.Url, await console.Page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        await console.ScreenshotAsync("functions");
    }

    [Fact]
    public async Task FunctionPage_ShowsTheSpecAsYamlTheInvocationAndItsLogLineLive()
    {
        await fx.DeploySampleAsync("console-fn");
        await using var console = await browser.OpenAsync(fx.Server.Address);
        await console.GoAsync("/functions/console-fn", "function");
        await Expect(console.Page.Locator("#spec")).ToContainTextAsync("functionName: console-fn");
        await Expect(console.Page.Locator("#spec")).ToContainTextAsync("instanceConcurrency: 4");

        var requestId = await fx.InvokeAsync("console-fn");

        var row = console.Page.Locator($"tr[data-request-id='{requestId}']");
        await Expect(row).ToBeVisibleAsync(Soon);
        await Expect(row).ToContainTextAsync("200");
        await Expect(row).ToContainTextAsync("POST");
        // The log is followed: the line for this request arrives after the page opened.
        await Expect(console.Page.Locator("#logs")).ToContainTextAsync($"FC Invoke End RequestId: {requestId}", new() { Timeout = 30_000 });
        await console.ScreenshotAsync("function");
    }

    [Fact]
    public async Task Instances_ShowAnIdleModeInstanceFrozenThenWarmAfterARequestThenFrozenAgain()
    {
        await fx.DeploySampleAsync("console-idle");
        await PutProvisionAsync("console-idle", new { defaultTarget = 1, alwaysAllocateCPU = false, alwaysAllocateGPU = false });
        await using var console = await browser.OpenAsync(fx.Server.Address);
        await console.GoAsync("/functions/console-idle/instances", "instances");

        var rows = console.Page.Locator("#table tr[data-instance]");
        await Expect(console.Page.Locator("#table tr[data-state='frozen']")).ToBeVisibleAsync(Soon);

        await fx.InvokeAsync("console-idle");
        await Expect(console.Page.Locator("#table tr[data-state='warm']")).ToBeVisibleAsync(Soon);
        await Expect(console.Page.Locator("#table tr[data-state='frozen']")).ToBeVisibleAsync(Soon);
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First).ToContainTextAsync("provisioned");

        // The timeline shows the same story: frozen, then busy or warm for the request, then frozen.
        var timeline = console.Page.Locator("#timeline");
        await Expect(timeline.Locator("rect[data-state='frozen']").Nth(1)).ToBeAttachedAsync(new() { Timeout = 30_000 });
        Assert.True(await timeline.Locator("rect[data-state='warm'], rect[data-state='busy']").CountAsync() > 0, "the timeline has no warm or busy segment");
        await console.ScreenshotAsync("instances");
    }

    [Fact]
    public async Task Metrics_DrawAPointOnceAnIntervalWithTheInvocationCloses()
    {
        await fx.DeploySampleAsync("console-metrics");
        await fx.InvokeAsync("console-metrics");
        await using var console = await browser.OpenAsync(fx.Server.Address);
        await console.GoAsync("/functions/console-metrics/metrics?window=15m", "metrics");

        await console.Page.WaitForFunctionAsync("() => Number(document.querySelector('#about').dataset.points) > 0", null, new() { Timeout = 30_000 });
        // "1 point of 20 s", "3 points of 20 s": a whole number of seconds, and the noun agrees.
        await Expect(console.Page.Locator("#about")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^(1 point|([2-9]|[1-9][0-9]+) points) of [0-9]+ s[ ,(]"));
        // The invocations chart has a line, and every chart the issue names is on the page.
        await Expect(console.Page.Locator("#chart-invocations path[d^='M']").First).ToBeAttachedAsync(new() { Timeout = 30_000 });
        foreach (var chart in new[] { "latency", "queue", "concurrency", "pcu", "provisioned", "cpu", "memory", "gpu" })
        {
            await Expect(console.Page.Locator($"#chart-{chart} svg")).ToBeVisibleAsync();
        }

        // "Instances by state" draws each state in the instances timeline's colour.
        var colors = await console.Page.EvaluateAsync<Dictionary<string, string>>("async () => (await import('./js/timeline.js')).stateColors");
        var legend = console.Page.Locator("#chart-instances .legend > span");
        foreach (var state in new[] { "warm", "busy", "frozen", "starting" })
        {
            await Expect(legend.Filter(new() { HasText = state }).Locator(".dot")).ToHaveAttributeAsync("style", $"background:{colors[state]}");
        }

        await console.Page.Locator("[data-window='1h']").ClickAsync();
        await console.Page.WaitForFunctionAsync("() => location.hash.includes('window=1h') && document.documentElement.dataset.ready === 'metrics'");
        await console.ScreenshotAsync("metrics");
    }

    [Fact]
    public async Task Provisioning_RefusesABadPolicyWithTheApisMessageThenSavesAGoodOne()
    {
        await fx.DeploySampleAsync("console-prov");
        var bad = """[{"name":"too-high","metricType":"ProvisionedConcurrencyUtilization","metricTarget":2,"minCapacity":0,"maxCapacity":2}]""";
        var apiMessage = await ProvisionErrorAsync("console-prov", bad);

        await using var console = await browser.OpenAsync(fx.Server.Address);
        await console.GoAsync("/functions/console-prov/provision", "provision");
        var page = console.Page;
        await page.Locator("textarea[name='targetTrackingPolicies']").FillAsync(bad);
        await page.Locator("#save").ClickAsync();
        var error = page.Locator("#result .error-box");
        await Expect(error).ToBeVisibleAsync();
        await Expect(error).ToHaveAttributeAsync("data-error-code", "InvalidProvisionConfig");
        await Expect(error).ToContainTextAsync(apiMessage);
        Assert.Empty((await fx.Http.GetFromJsonAsync<ProvisionInfo>("api/v1/functions/console-prov/provision", JsonDefaults.Options))!.TargetTrackingPolicies);

        await page.Locator("textarea[name='targetTrackingPolicies']").FillAsync(
            """[{"name":"pcu","metricType":"ProvisionedConcurrencyUtilization","metricTarget":0.6,"minCapacity":1,"maxCapacity":3}]""");
        await page.Locator("input[name='defaultTarget']").FillAsync("1");
        // The hint says what the boxes mean as they stand: on with both ticked, idle mode off...
        await page.Locator("input[name='alwaysAllocateCPU']").CheckAsync();
        await Expect(page.Locator("#idle-hint")).ToHaveAttributeAsync("data-idle-mode", "off");
        await Expect(page.Locator("#idle-hint")).ToContainTextAsync("Idle mode off");
        await page.Locator("input[name='alwaysAllocateCPU']").UncheckAsync();
        await page.Locator("input[name='alwaysAllocateGPU']").UncheckAsync();
        // ...and with both off, idle mode on.
        await Expect(page.Locator("#idle-hint")).ToHaveAttributeAsync("data-idle-mode", "on");
        await Expect(page.Locator("#idle-hint")).ToContainTextAsync("Idle mode on");
        await page.Locator("#save").ClickAsync();
        await Expect(page.Locator("#result .ok-box")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-field='target']")).ToHaveTextAsync("1", new() { Timeout = 30_000 });

        var saved = (await fx.Http.GetFromJsonAsync<ProvisionInfo>("api/v1/functions/console-prov/provision", JsonDefaults.Options))!;
        Assert.Equal("pcu", (string?)saved.TargetTrackingPolicies.Single()!["name"]);
        Assert.True(saved.IdleMode);
        // The autoscaler's decision for the new target shows with its reason.
        await Expect(page.Locator("#history tbody tr").First).ToBeVisibleAsync(Soon);
        await console.ScreenshotAsync("provision");
    }

    [Fact]
    public async Task Bill_ShowsIdleAndActiveCostPerFunctionAndInstanceAndRefusesABackwardsPeriod()
    {
        await fx.DeploySampleAsync("console-bill");
        await fx.InvokeAsync("console-bill");
        var instance = (await fx.InstancesAsync("console-bill")).Single();
        await using var console = await browser.OpenAsync(fx.Server.Address);

        await console.GoAsync("/bill?period=1h&function=console-bill", "bill");
        var row = console.Page.Locator("tr[data-bill-function='console-bill']");
        await Expect(row).ToBeVisibleAsync();
        await Expect(row).ToContainTextAsync("$");
        await Expect(console.Page.Locator("tr[data-bill-total]")).ToContainTextAsync("Total");
        await row.Locator("[data-expand]").ClickAsync();
        await Expect(console.Page.Locator("tr[data-parent='console-bill']").First).ToContainTextAsync(instance.Id);
        await console.ScreenshotAsync("bill");

        await console.GoAsync("/bill?period=custom&from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "bill");
        await Expect(console.Page.Locator(".error-box[data-error-code='InvalidRange']")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Instances_ShowARecentFailureWithItsReasonWithoutShowStopped()
    {
        var spec = ServerFixture.Echo("console-fails", env: new() { ["START_MODE"] = "exit" });
        await fx.DeployAsync(spec);
        using (await fx.Http.GetAsync("fn/console-fails/invoke"))
        {
        }

        await using var console = await browser.OpenAsync(fx.Server.Address);
        await console.GoAsync("/functions/console-fails/instances", "instances");

        Assert.False(await console.Page.Locator("#ended").IsCheckedAsync());
        var failed = console.Page.Locator("#table tr[data-state='failed']").First;
        await Expect(failed).ToBeVisibleAsync(Soon);
        await Expect(failed.Locator("td.error")).ToContainTextAsync("exited with code 3");
        await console.ScreenshotAsync("instances-failed");
    }

    [Fact]
    public async Task UnknownFunction_ShowsTheApisError()
    {
        await using var console = await browser.OpenAsync(fx.Server.Address);
        await console.GoAsync("/functions/no-such-function", "error");
        await Expect(console.Page.Locator(".error-box[data-error-code='FunctionNotFound']")).ToContainTextAsync("no-such-function");
    }

    private Task PutProvisionAsync(string name, object body) =>
        fx.Http.PutAsJsonAsync($"api/v1/functions/{name}/provision", body).ContinueWith(t => t.Result.EnsureSuccessStatusCode(), TaskScheduler.Default);

    private async Task<string> ProvisionErrorAsync(string name, string policies)
    {
        using var content = new StringContent($$"""{"defaultTarget":0,"alwaysAllocateCPU":true,"alwaysAllocateGPU":true,"targetTrackingPolicies":{{policies}},"scheduledActions":[]}""", Encoding.UTF8, "application/json");
        using var response = await fx.Http.PutAsync($"api/v1/functions/{name}/provision", content);
        Assert.Equal(400, (int)response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("message").GetString()!;
    }
}
