using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Stasis.Client.Model;
using Stasis.Server.Metering;

namespace Stasis.FunctionalTests.Cli;

/// <summary><c>stasis bill</c> against a real server whose meter was fed directly.</summary>
public sealed class CliBillTests : IClassFixture<CliServerFixture>
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 7200);
    private static int _fed;
    private readonly CliServerFixture _server;

    public CliBillTests(CliServerFixture server)
    {
        _server = server;
        if (Interlocked.Exchange(ref _fed, 1) == 1)
        {
            return; // xunit builds this class once per test; the fixture's server is fed once
        }

        var meter = server.Server.Services.GetRequiredService<IInstanceMeter>();
        // 16 GB GPU, provisioned: 10 s active, 30 s idle, 10 s active → 20 × 33.6 + 30 × 8 = 912 CU = $0.01824.
        meter.Started(new MeteredInstance("cli-1", "cli-bill", InstanceKind.Provisioned, 0, 0, 16), T0);
        meter.Changed("cli-1", MeterState.Idle, T0.AddSeconds(10));
        meter.Changed("cli-1", MeterState.Active, T0.AddSeconds(40));
        meter.Ended("cli-1", T0.AddSeconds(50));
    }

    [Fact]
    public async Task Bill_Table_ShowsSecondsCostAndSaving()
    {
        var run = await _server.RunAsync("bill", "cli-bill", "--from", Iso(T0), "--to", Iso(T0.AddMinutes(1)));

        Assert.Equal(0, run.Exit);
        Assert.Equal("", run.Err);
        var lines = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("bill of cli-bill from ", lines[0], StringComparison.Ordinal);
        Assert.Contains("IDLE S", lines[1], StringComparison.Ordinal);
        var total = lines.Single(l => l.StartsWith("TOTAL", StringComparison.Ordinal));
        // always allocated: 50 s × 16 × 2.1 = 1680 CU = $0.0336; saving $0.01536
        Assert.Equal(["TOTAL", "all", "-", "30.000", "20.000", "912", "0.018240", "0.033600", "0.015360"], total.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Bill_RelativeRangeAsCsv_HasAnInstanceRow()
    {
        var run = await _server.RunAsync("bill", "cli-bill", "--from", "-3h", "--to", "now", "-o", "csv");

        Assert.Equal(0, run.Exit);
        Assert.Contains("\ninstance,cli-bill,cli-1,provisioned,30,20,", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bill_Json_IsTheApiReport()
    {
        var run = await _server.RunAsync("bill", "cli-bill", "--output", "json");

        Assert.Equal(0, run.Exit);
        var bill = JsonSerializer.Deserialize<BillReport>(run.Out, JsonDefaults.Options)!;
        Assert.Equal(0.01824m, bill.Total.CostUsd);
        Assert.Equal(T0, bill.From);
    }

    [Fact]
    public async Task Bill_UnknownFunction_FailsWithTheApiError()
    {
        var run = await _server.RunAsync("bill", "no-such-function");

        Assert.Equal(1, run.Exit);
        Assert.StartsWith("error: FunctionNotFound: ", run.Err, StringComparison.Ordinal);
    }

    private static string Iso(DateTimeOffset t) => t.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
}
