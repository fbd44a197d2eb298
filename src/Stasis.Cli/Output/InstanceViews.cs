using System.Globalization;
using Stasis.Client.Model;

namespace Stasis.Cli.Output;

internal static class InstanceViews
{
    public const int ErrorWidth = 60;

    public static TableData List(IEnumerable<InstanceInfo> instances, DateTimeOffset now) => new(
        ["ID", "KIND", "STATE", "PID", "IN-FLIGHT", "COMPLETED", "STARTED", "READY", "LAST USED", "ERROR"],
        instances.OrderBy(i => i.StartedAt).Select(i => (IReadOnlyList<string>)
        [
            i.Id,
            i.Kind,
            i.State.ToLowerInvariant(),
            i.Pid?.ToString(CultureInfo.InvariantCulture) ?? Humanize.None,
            $"{i.InFlight}/{i.Slots}",
            i.Completed.ToString(CultureInfo.InvariantCulture),
            Humanize.Ago(i.StartedAt, now),
            // Time from start to ready is the cold start, which is what people look for here.
            Humanize.After(i.StartedAt, i.ReadyAt),
            Humanize.Ago(i.LastUsedAt, now),
            Humanize.Truncate(i.Error, ErrorWidth),
        ]).ToList());
}
