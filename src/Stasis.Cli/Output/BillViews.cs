using System.Globalization;
using Stasis.Client.Model;

namespace Stasis.Cli.Output;

/// <summary>
/// A bill as a table (one row per function, its instances indented under it, then the total) and as CSV
/// (every amount, one row per function, instance and the total, for spreadsheets).
/// </summary>
internal static class BillViews
{
    public const string Total = "TOTAL";
    public const string All = "all";

    public static string Heading(BillReport bill) =>
        $"bill of {bill.FunctionName ?? "all functions"} from {Time(bill.From)} to {Time(bill.To)} (USD {Plain(bill.Prices.CuPriceUsd)} per CU)";

    public static TableData Table(BillReport bill)
    {
        var rows = new List<IReadOnlyList<string>>();
        foreach (var function in bill.Functions)
        {
            rows.Add(Row(function.FunctionName, All, Humanize.None, function));
            rows.AddRange(function.Instances.Select(i => Row("  " + i.FunctionName, i.InstanceId, KindName(i.Kind), i)));
        }

        if (bill.Functions.Count > 0)
        {
            rows.Add(Row(Total, All, Humanize.None, bill.Total));
        }

        return new TableData(["FUNCTION", "INSTANCE", "KIND", "IDLE S", "ACTIVE S", "CU", "COST USD", "ALWAYS ALLOCATED USD", "SAVING USD"], rows);
    }

    public static TableData CsvTable(BillReport bill)
    {
        var rows = new List<IReadOnlyList<string>>();
        foreach (var function in bill.Functions)
        {
            rows.Add(CsvRow("function", function.FunctionName, "", "", function));
            rows.AddRange(function.Instances.Select(i => CsvRow("instance", i.FunctionName, i.InstanceId, i.Kind, i)));
        }

        rows.Add(CsvRow("total", "", "", "", bill.Total));
        return new TableData(
            ["level", "function", "instance", "kind", "idleSeconds", "activeSeconds", "gpuCu", "vcpuCu", "memoryCu", "cu",
             "gpuCostUsd", "vcpuCostUsd", "memoryCostUsd", "costUsd", "alwaysAllocatedCu", "alwaysAllocatedCostUsd", "savingUsd"],
            rows);
    }

    private static IReadOnlyList<string> Row(string function, string instance, string kind, BillRow r) =>
        [function, instance, kind, Seconds(r.IdleSeconds), Seconds(r.ActiveSeconds), Cu(r.Cu), Usd(r.CostUsd), Usd(r.AlwaysAllocatedCostUsd), Usd(r.SavingUsd)];

    private static IReadOnlyList<string> CsvRow(string level, string function, string instance, string kind, BillRow r) =>
        [level, function, instance, kind, Plain(r.IdleSeconds), Plain(r.ActiveSeconds), Plain(r.GpuCu), Plain(r.VcpuCu), Plain(r.MemoryCu), Plain(r.Cu),
         Plain(r.GpuCostUsd), Plain(r.VcpuCostUsd), Plain(r.MemoryCostUsd), Plain(r.CostUsd), Plain(r.AlwaysAllocatedCu), Plain(r.AlwaysAllocatedCostUsd), Plain(r.SavingUsd)];

    private static string KindName(string kind) => kind == "onDemand" ? "on-demand" : kind;

    /// <summary>Milliseconds are what FC bills by: 12.3456 s reads 12.346.</summary>
    private static string Seconds(decimal value) => value.ToString("0.000", CultureInfo.InvariantCulture);

    private static string Cu(decimal value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>Six decimals, a millionth of a dollar: 0.0182400 reads 0.018240.</summary>
    private static string Usd(decimal value) => value.ToString("0.000000", CultureInfo.InvariantCulture);

    private static string Plain(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
