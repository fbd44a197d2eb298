using System.Globalization;
using Stasis.Client.Model;

namespace Stasis.Cli.Output;

internal static class StatusView
{
    public static PropertyList Properties(ServerStatus s, Uri endpoint)
    {
        var items = new List<KeyValuePair<string, string>>
        {
            new("endpoint", endpoint.ToString().TrimEnd('/')),
            new("version", s.Version),
            new("listen", s.Listen),
            new("data", s.DataDirectory),
            new("runtime", s.Runtime),
        };
        items.AddRange(s.RuntimeDetails.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => new KeyValuePair<string, string>($"  {d.Key}", d.Value)));
        items.Add(new("functions", s.Functions.ToString(CultureInfo.InvariantCulture)));
        items.Add(new("instances", s.MaxInstancesTotal is { } limit
            ? string.Create(CultureInfo.InvariantCulture, $"{s.Instances} (limit {limit})")
            : s.Instances.ToString(CultureInfo.InvariantCulture)));
        items.Add(new("storage", Storage(s.Storage)));
        if (s.Storage.LogLinesDropped > 0)
        {
            items.Add(new("  log lines dropped", s.Storage.LogLinesDropped.ToString(CultureInfo.InvariantCulture)));
        }

        if (s.Connections is { } c)
        {
            items.Add(new("connections", string.Create(CultureInfo.InvariantCulture,
                $"{c.Open} open (limit {c.Limit}, {c.PerAddressLimit} per address); refused {c.RefusedServerLimit} at the limit, {c.RefusedAddressLimit} at the per-address limit; open files {c.OpenFiles?.ToString(CultureInfo.InvariantCulture) ?? "?"} of {c.OpenFilesLimit}")
                + (c.TrustedProxies.Count > 0 ? $"; trusted proxies {string.Join(", ", c.TrustedProxies)}" : "")));
        }

        if (s.Memory is { } memory)
        {
            items.Add(new("memory", Memory(memory)));
        }

        return new PropertyList(items);
    }

    /// <summary>
    /// "151.0 MB resident (GC heap 4.2 MB, native heap 9.8 MB in use (SQLite 1.9 MB), 2.1 MB free, 2 arenas (limit 2)); native heap trimmed
    /// every 10 s: 12 times, 40.0 MB given back in 6.1 ms; GC heap compacted every 60 s: 2 times, 8.0 MB of garbage collected in 9.5 ms".
    /// </summary>
    private static string Memory(MemoryStatus m)
    {
        var text = m.ResidentBytes is { } rss ? $"{Mb(rss)} resident (GC heap {Mb(m.ManagedHeapBytes)}" : $"GC heap {Mb(m.ManagedHeapBytes)}";
        if (m.NativeInUseBytes is { } inUse)
        {
            text += $", native heap {Mb(inUse)} in use (SQLite {Mb(m.SqliteBytes)}), {Mb(m.NativeFreeHeldBytes ?? 0)} free";
            text += m.Arenas is { } arenas ? string.Create(CultureInfo.InvariantCulture, $", {arenas} arenas") : "";
            text += m.ArenaLimit is { } limit ? string.Create(CultureInfo.InvariantCulture, $" (limit {limit})") : "";
        }

        text += m.ResidentBytes is null ? "" : ")";
        text += m.TrimIntervalSeconds > 0
            ? string.Create(CultureInfo.InvariantCulture, $"; native heap trimmed every {m.TrimIntervalSeconds:0.###} s: {m.Trims} times, {Mb(m.TrimmedBytes)} given back in {m.TrimSeconds * 1000:0.#} ms")
            : "; native heap not trimmed";
        return text + (m.CompactIntervalSeconds > 0
            ? string.Create(CultureInfo.InvariantCulture, $"; GC heap compacted every {m.CompactIntervalSeconds:0.###} s: {m.Compactions} times, {Mb(m.CompactedBytes)} of garbage collected in {m.CompactSeconds * 1000:0.#} ms")
            : "; GC heap not compacted");
    }

    private static string Mb(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:0.0} MB");

    /// <summary>"ok", or e.g. "busy since 12:00:03Z: 3 records, 12 meter intervals, 0 metric points wait to be written".</summary>
    private static string Storage(StorageStatus s)
    {
        var waiting = $"{s.PendingWrites} records, {s.PendingMeterIntervals} meter intervals, {s.PendingMetricPoints} metric points wait to be written";
        return s.State == "ok"
            ? "ok"
            : $"{s.State} since {s.Since?.UtcDateTime.ToString("HH:mm:ss'Z'", CultureInfo.InvariantCulture)}: {waiting} ({s.Error})";
    }
}
