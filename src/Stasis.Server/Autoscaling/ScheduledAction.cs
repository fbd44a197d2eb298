namespace Stasis.Server.Autoscaling;

/// <summary>
/// One of FC's <c>scheduledActions</c>, validated: from each firing of <see cref="Schedule"/> within
/// [<see cref="StartTime"/>, <see cref="EndTime"/>) the provisioned count is <see cref="Target"/>,
/// until a later firing of another action or the end of the window.
/// </summary>
/// <param name="Index">Its place in the config's array; with <see cref="Name"/> it names the action in messages.</param>
internal sealed record ScheduledAction(
    int Index,
    string? Name,
    int Target,
    ActionSchedule Schedule,
    DateTimeOffset? StartTime,
    DateTimeOffset? EndTime,
    TimeZoneInfo TimeZone)
{
    public const string Kind = "scheduledActions";

    /// <summary>How messages name it: its name, else its place ("scheduledActions[0]").</summary>
    public string Key => Name ?? $"{Kind}[{Index}]";

    /// <summary>
    /// When it last fired at or before <paramref name="now"/> and inside its window; null when it has not,
    /// or when now is past its endTime (an action does not apply after its endTime).
    /// Example: cron(0 0 8 * * *) in Asia/Shanghai, no window, now 2024-03-10T03:00Z (11:00 there)
    /// → 2024-03-10T00:00Z (08:00 there).
    /// </summary>
    public DateTimeOffset? LastFiring(DateTimeOffset now)
    {
        if (!ScalingWindow.Contains(StartTime, EndTime, now))
        {
            return null;
        }

        var fired = Schedule.LastFiring(now);
        return fired is { } at && (StartTime is null || at >= StartTime) ? at : null;
    }
}
