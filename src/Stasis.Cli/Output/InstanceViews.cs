using System.Globalization;
using Stasis.Client.Model;

namespace Stasis.Cli.Output;

internal static class InstanceViews
{
    public const int ErrorWidth = 60;

    /// <param name="sessions">The function has session affinity: a SESSIONS column says how many each instance holds.</param>
    public static TableData List(IEnumerable<InstanceInfo> instances, DateTimeOffset now, bool sessions = false)
    {
        var all = instances.ToList();
        var table = Table(all, now);
        if (sessions)
        {
            var byStart = all.OrderBy(i => i.StartedAt).ToList();
            var at = table.Headers.ToList().IndexOf("QUEUED") + 1;
            table = new TableData(
                [.. table.Headers.Take(at), "SESSIONS", .. table.Headers.Skip(at)],
                table.Rows.Select((row, n) => (IReadOnlyList<string>)[.. row.Take(at), byStart[n].Sessions.ToString(CultureInfo.InvariantCulture), .. row.Skip(at)]).ToList());
        }

        if (!all.Any(i => i.Image is not null))
        {
            return table;
        }

        // Image instances: which image each runs, by its short digest (as docker ps shows an image id).
        var ordered = all.OrderBy(i => i.StartedAt).ToList();
        return new TableData(
            [.. table.Headers.Take(3), "IMAGE", .. table.Headers.Skip(3)],
            table.Rows.Select((row, n) => (IReadOnlyList<string>)[.. row.Take(3), Humanize.Digest(ordered[n].Image), .. row.Skip(3)]).ToList());
    }


    private static TableData Table(IEnumerable<InstanceInfo> instances, DateTimeOffset now) => new(
        ["ID", "KIND", "STATE", "PID", "IN-FLIGHT", "QUEUED", "COMPLETED", "BUSY", "BUSY %", "STARTED", "READY", "LAST USED", "ERROR"],
        instances.OrderBy(i => i.StartedAt).Select(i => (IReadOnlyList<string>)
        [
            i.Id,
            i.Kind,
            i.State.ToLowerInvariant(),
            i.Pid?.ToString(CultureInfo.InvariantCulture) ?? Humanize.None,
            $"{i.InFlight}/{i.Slots}",
            i.Queued.ToString(CultureInfo.InvariantCulture),
            i.Completed.ToString(CultureInfo.InvariantCulture),
            Humanize.Milliseconds(i.BusyMs),
            // Busy time over time since ready: even shares mean the load is spread evenly.
            i.BusyShare is { } share ? (share * 100).ToString("0.0", CultureInfo.InvariantCulture) : Humanize.None,
            Humanize.Ago(i.StartedAt, now),
            // Time from start to ready is the cold start, which is what people look for here.
            Humanize.After(i.StartedAt, i.ReadyAt),
            Humanize.Ago(i.LastUsedAt, now),
            Humanize.Truncate(i.Error, ErrorWidth),
        ]).ToList());

    /// <summary>
    /// The function's side of scheduling, under the table. Example:
    /// <c>policy join-idle-queue · 3 waiting · queue wait p50 0 ms, p90 13 ms, p99 40 ms, max 52 ms (last 1024 requests; 57 of 2000 waited)</c>.
    /// </summary>
    public static string Scheduling(FunctionInfo function)
    {
        var line = $"policy {function.SchedulingPolicy} · {function.Queued.ToString(CultureInfo.InvariantCulture)} waiting";
        if (function.Sessions is { } sessions)
        {
            line += $" · {sessions.ToString(CultureInfo.InvariantCulture)} sessions ({function.Spec.SessionAffinity})";
        }

        if (function.QueueWait is not { } w)
        {
            return line + " · no requests yet";
        }

        return line + $" · queue wait p50 {Ms(w.P50Ms)}, p90 {Ms(w.P90Ms)}, p99 {Ms(w.P99Ms)}, max {Ms(w.MaxMs)}"
            + $" (last {w.Samples.ToString(CultureInfo.InvariantCulture)} requests; {w.Waited.ToString(CultureInfo.InvariantCulture)} of {w.Requests.ToString(CultureInfo.InvariantCulture)} waited)";

        static string Ms(double ms) => ms.ToString(ms < 10 ? "0.##" : "0", CultureInfo.InvariantCulture) + " ms";
    }
}
