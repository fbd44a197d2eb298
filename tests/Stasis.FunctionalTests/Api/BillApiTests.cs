using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Stasis.Client;
using Stasis.Client.Model;
using Stasis.FunctionalTests.Cli;
using Stasis.Server.Hosting;
using Stasis.Server.Metering;

namespace Stasis.FunctionalTests.Api;

/// <summary>GET /api/v1/bill over intervals fed through the server's own meter.</summary>
public sealed class BillApiTests(CliServerFixture fx) : IClassFixture<CliServerFixture>
{
    // Whole seconds an hour ago, so that the ranges below are exact and all in the past.
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 3600);

    private IInstanceMeter Meter => fx.Server.Services.GetRequiredService<IInstanceMeter>();

    [Fact]
    public async Task Bill_OneFunction_RowsPerInstanceAndTotalsAtTheFormula()
    {
        var gpu = new MeteredInstance("bill-a-1", "bill-a", InstanceKind.Provisioned, 0, 0, 16);
        var cpu = new MeteredInstance("bill-a-2", "bill-a", InstanceKind.OnDemand, 2, 4, 0);
        Meter.Started(gpu, T0);
        Meter.Changed(gpu.InstanceId, MeterState.Idle, T0.AddSeconds(10));
        Meter.Changed(gpu.InstanceId, MeterState.Active, T0.AddSeconds(40));
        Meter.Ended(gpu.InstanceId, T0.AddSeconds(50));
        Meter.Started(cpu, T0.AddSeconds(20));
        Meter.Changed(cpu.InstanceId, MeterState.Idle, T0.AddSeconds(25));
        Meter.Ended(cpu.InstanceId, T0.AddSeconds(30));
        Meter.Started(cpu with { InstanceId = "other-1", FunctionName = "bill-other" }, T0);

        using var client = fx.Client();
        var bill = await client.GetBillAsync("bill-a", T0, T0.AddSeconds(60));

        Assert.Equal((T0, T0.AddSeconds(60), "bill-a"), (bill.From, bill.To, bill.FunctionName));
        var function = Assert.Single(bill.Functions);
        Assert.Equal(["bill-a-1", "bill-a-2"], function.Instances.Select(i => i.InstanceId));
        var (a1, a2) = (function.Instances[0], function.Instances[1]);
        // bill-a-1: 30 s idle × 16 GB × 0.5 + 20 s active × 16 GB × 2.1 = 240 + 672 = 912 CU
        Assert.Equal((30m, 20m, 912m, 912m * 0.00002m), (a1.IdleSeconds, a1.ActiveSeconds, a1.Cu, a1.CostUsd));
        // bill-a-2 (on-demand, idle free): 5 s × (2 vCPU × 1 + 4 GB × 0.15) = 13 CU; always allocated 10 s → 26 CU
        Assert.Equal((5m, 5m, 13m, 26m), (a2.IdleSeconds, a2.ActiveSeconds, a2.Cu, a2.AlwaysAllocatedCu));
        Assert.Equal(925m, bill.Total.Cu);
        Assert.Equal(0.0185m, bill.Total.CostUsd);
        Assert.Equal(new Prices(), bill.Prices);
    }

    [Fact]
    public async Task Bill_NoRange_RunsFromTheFirstIntervalToNowWithOpenIntervalsUpToNow()
    {
        Meter.Started(new MeteredInstance("bill-open-1", "bill-open", InstanceKind.Provisioned, 1, 1, 1), T0.AddSeconds(5));

        using var client = fx.Client();
        var bill = await client.GetBillAsync("bill-open");

        Assert.Equal(T0.AddSeconds(5), bill.From);
        Assert.InRange(bill.To, DateTimeOffset.UtcNow.AddSeconds(-30), DateTimeOffset.UtcNow);
        Assert.Equal((decimal)(bill.To - bill.From).Ticks / TimeSpan.TicksPerSecond, bill.Total.ActiveSeconds);
    }

    [Fact]
    public async Task Bill_AllFunctions_ListsEachOnce()
    {
        Meter.Started(new MeteredInstance("bill-all-1", "bill-all", InstanceKind.OnDemand, 1, 1, 0), T0);
        Meter.Ended("bill-all-1", T0.AddSeconds(1));

        using var client = fx.Client();
        var bill = await client.GetBillAsync(from: T0, to: T0.AddSeconds(2));

        Assert.Null(bill.FunctionName);
        Assert.Contains(bill.Functions, f => f.FunctionName == "bill-all");
        Assert.Equal(bill.Functions.Count, bill.Functions.Select(f => f.FunctionName).Distinct().Count());
        Assert.Equal(bill.Functions.Sum(f => f.CostUsd), bill.Total.CostUsd);
    }

    [Fact]
    public async Task Bill_DeployedFunctionNeverBilled_IsAnEmptyBill()
    {
        using var client = fx.Client();
        await client.DeployAsync(new FunctionSpec
        {
            FunctionName = "bill-idle-fn",
            Runtime = "custom-container",
            Code = Path.GetTempPath(),
            CustomContainerConfig = new CustomContainerConfig { Command = ["serve"], Port = 9000 },
        });

        var bill = await client.GetBillAsync("bill-idle-fn");

        Assert.Empty(bill.Functions);
        Assert.Equal(0m, bill.Total.CostUsd);
        Assert.Equal(bill.From, bill.To);
    }

    [Theory]
    [InlineData("from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "InvalidRange")]
    [InlineData("from=2999-01-01T00:00:00Z", "InvalidRange")]
    [InlineData("from=yesterday", "InvalidTime")]
    [InlineData("to=2026-13-01", "InvalidTime")]
    public async Task Bill_BadRange_Is400Json(string query, string code)
    {
        using var http = new HttpClient { BaseAddress = fx.Server.Address };
        using var response = await http.GetAsync("api/v1/bill?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = System.Text.Json.JsonSerializer.Deserialize<ErrorBody>(await response.Content.ReadAsStringAsync(), JsonDefaults.Options)!;
        Assert.Equal(code, error.Code);
    }

    [Fact]
    public async Task Bill_UnknownFunction_Is404()
    {
        using var client = fx.Client();
        var error = await Assert.ThrowsAsync<StasisApiException>(() => client.GetBillAsync("no-such-function"));

        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Equal("FunctionNotFound", error.Error.Code);
    }

    [Fact]
    public async Task Bill_AfterARestart_KeepsWhatWasOpenUpToTheLastHeartbeat()
    {
        var data = Path.Combine(Path.GetTempPath(), "stasis-bill-restart-" + Guid.NewGuid().ToString("N")[..8]);
        var options = new StasisServerOptions { Listen = "127.0.0.1:0", DataDirectory = data, MeterHeartbeat = TimeSpan.FromMilliseconds(100) };
        try
        {
            DateTimeOffset stoppedAt;
            await using (var first = await StasisServer.StartAsync(options, configureLogging: l => l.SetMinimumLevel(LogLevel.Warning)))
            {
                first.Services.GetRequiredService<IInstanceMeter>().Started(new MeteredInstance("r-1", "bill-restart", InstanceKind.Provisioned, 0, 0, 10), T0);
                await Task.Delay(300); // a few heartbeats
                stoppedAt = DateTimeOffset.UtcNow;
            }

            await using var second = await StasisServer.StartAsync(options, configureLogging: l => l.SetMinimumLevel(LogLevel.Warning));
            using var client = new StasisClient(second.Address);
            var bill = await client.GetBillAsync("bill-restart");

            var row = Assert.Single(Assert.Single(bill.Functions).Instances);
            Assert.Equal(T0, row.From);
            Assert.InRange(row.To, stoppedAt.AddSeconds(-1), stoppedAt.AddSeconds(1));
            Assert.Equal(row.ActiveSeconds, (decimal)(row.To - row.From).Ticks / TimeSpan.TicksPerSecond);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    internal static string Iso(DateTimeOffset t) => t.ToString("O", CultureInfo.InvariantCulture);
}
