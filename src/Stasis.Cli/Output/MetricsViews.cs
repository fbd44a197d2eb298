using System.Globalization;
using Stasis.Client.Model;

namespace Stasis.Cli.Output;

/// <summary>
/// A metrics report as tables: one row per closed interval, and with <c>--instances</c> one row per instance and
/// interval. Unavailable figures read <c>-</c>; GPU memory reads <c>n/a</c> where the host has no GPU figures.
/// </summary>
internal static class MetricsViews
{
    public const string NotAvailable = "n/a";

    public static string Heading(MetricsReport report) =>
        $"metrics of {report.FunctionName} every {Interval(report.IntervalSeconds)} from {Time(report.Since)} to {Time(report.Until)}"
        + $" ({report.Points.Count.ToString(CultureInfo.InvariantCulture)} interval{(report.Points.Count == 1 ? "" : "s")})";

    public static string Empty(MetricsReport report) =>
        $"no closed interval yet; one closes every {Interval(report.IntervalSeconds)}";

    public static TableData Table(MetricsReport report)
    {
        var dayFormat = SpansDays(report);
        return new TableData(
            ["TIME", "INVOCATIONS", "ERRORS", "P50", "P90", "P99", "QUEUE P90", "IN-FLIGHT AVG/MAX", "PCU %", "CPU %", "MEMORY", "GPU MEM %", "PROVISIONED"],
            report.Points.Select(p => (IReadOnlyList<string>)
            [
                Start(p.Start, dayFormat),
                p.Invocations.ToString(CultureInfo.InvariantCulture),
                p.Errors.ToString(CultureInfo.InvariantCulture),
                Latency(p.LatencyP50Ms),
                Latency(p.LatencyP90Ms),
                Latency(p.LatencyP99Ms),
                Latency(p.QueueWaitP90Ms),
                $"{(p.InFlightAverage is { } avg ? avg.ToString("0.##", CultureInfo.InvariantCulture) : Humanize.None)}/{p.InFlightMax.ToString(CultureInfo.InvariantCulture)}",
                Percent(p.ProvisionedConcurrencyUtilization),
                Percent(p.CpuUtilization),
                Bytes(p.MemoryBytes),
                p.GpuMemoryUtilization is { } gpu ? Percent(gpu) : NotAvailable,
                $"{p.ProvisionedTarget.ToString(CultureInfo.InvariantCulture)}/{p.ProvisionedCurrent.ToString(CultureInfo.InvariantCulture)}",
            ]).ToList());
    }

    public static TableData Instances(MetricsReport report)
    {
        var dayFormat = SpansDays(report);
        var rows = new List<IReadOnlyList<string>>();
        foreach (var p in report.Points)
        {
            foreach (var i in p.Instances ?? [])
            {
                rows.Add(
                [
                    Start(p.Start, dayFormat),
                    i.InstanceId,
                    i.Kind == "onDemand" ? "on-demand" : i.Kind,
                    i.State,
                    $"{i.InFlightAverage.ToString("0.##", CultureInfo.InvariantCulture)}/{i.InFlightMax.ToString(CultureInfo.InvariantCulture)}",
                    i.Slots.ToString(CultureInfo.InvariantCulture),
                    Percent(i.CpuUtilization),
                    Bytes(i.MemoryBytes),
                    i.GpuMemoryBytes is { } gpu ? Bytes(gpu) : NotAvailable,
                ]);
            }
        }

        return new TableData(["TIME", "INSTANCE", "KIND", "STATE", "IN-FLIGHT AVG/MAX", "SLOTS", "CPU %", "MEMORY", "GPU MEMORY"], rows);
    }

    /// <summary>Examples: null → "-", 0.42 → "0.42ms", 12.3 → "12.3ms", 250 → "250ms", 1530 → "1.53s".</summary>
    public static string Latency(double? ms) => ms switch
    {
        null => Humanize.None,
        < 10 => ms.Value.ToString("0.##", CultureInfo.InvariantCulture) + "ms",
        < 1000 => ms.Value.ToString("0.#", CultureInfo.InvariantCulture) + "ms",
        _ => (ms.Value / 1000).ToString("0.##", CultureInfo.InvariantCulture) + "s",
    };

    /// <summary>A ratio as a percentage with one decimal: 0.4567 → "45.7"; null → "-".</summary>
    public static string Percent(double? ratio) => ratio is { } r ? (r * 100).ToString("0.0", CultureInfo.InvariantCulture) : Humanize.None;

    /// <summary>Binary units: 512 → "512B", 1536 → "1.5KiB", 268435456 → "256MiB"; null → "-".</summary>
    public static string Bytes(long? bytes)
    {
        if (bytes is not { } b)
        {
            return Humanize.None;
        }

        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        var value = (double)b;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return value.ToString(unit == 0 || value >= 100 ? "0" : "0.#", CultureInfo.InvariantCulture) + units[unit];
    }

    private static bool SpansDays(MetricsReport report) =>
        report.Points.Count > 0 && report.Points[0].Start.UtcDateTime.Date != report.Points[^1].Start.UtcDateTime.Date;

    private static string Start(DateTimeOffset start, bool withDay) =>
        start.ToUniversalTime().ToString(withDay ? "MM-dd HH:mm:ss" : "HH:mm:ss", CultureInfo.InvariantCulture);

    private static string Interval(double seconds) => seconds switch
    {
        >= 3600 when seconds % 3600 == 0 => $"{(seconds / 3600).ToString(CultureInfo.InvariantCulture)}h",
        _ => $"{seconds.ToString("0.###", CultureInfo.InvariantCulture)}s",
    };

    private static string Time(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
