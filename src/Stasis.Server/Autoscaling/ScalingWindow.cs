namespace Stasis.Server.Autoscaling;

/// <summary>The [startTime, endTime) window every policy and action has; a missing bound is open.</summary>
internal static class ScalingWindow
{
    /// <summary>
    /// Example: start 08:00, end 20:00 → 08:00 is in, 19:59:59 is in, 20:00 is out.
    /// </summary>
    public static bool Contains(DateTimeOffset? start, DateTimeOffset? end, DateTimeOffset now) =>
        (start is null || now >= start) && (end is null || now < end);
}
