using Cronos;

namespace Stasis.Server.Autoscaling;

/// <summary>
/// A scheduled action's <c>scheduleExpression</c>: <c>cron(sec min hour dom mon dow)</c>, read in the
/// action's time zone, or <c>at(ISO time)</c>, one instant.
/// </summary>
internal abstract record ActionSchedule(string Expression)
{
    /// <summary>The latest firing at or before <paramref name="now"/>; null when there was none.</summary>
    public abstract DateTimeOffset? LastFiring(DateTimeOffset now);

    public sealed override string ToString() => Expression;
}

/// <summary>
/// A recurring schedule. Example: <c>cron(0 30 7 * * MON-FRI)</c> in Asia/Shanghai fires at 07:30
/// there on weekdays, i.e. 23:30 UTC the evening before.
/// </summary>
internal sealed record CronSchedule(string Expression, CronExpression Cron, TimeZoneInfo TimeZone) : ActionSchedule(Expression)
{
    public override DateTimeOffset? LastFiring(DateTimeOffset now) => Cron.GetPreviousOccurrence(now, TimeZone, inclusive: true);
}

/// <summary>A one-shot schedule: <c>at(2024-03-10T08:00:00Z)</c> fires once, at that instant.</summary>
internal sealed record AtSchedule(string Expression, DateTimeOffset Instant) : ActionSchedule(Expression)
{
    public override DateTimeOffset? LastFiring(DateTimeOffset now) => Instant <= now ? Instant : null;
}
