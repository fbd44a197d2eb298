namespace Stasis.Server.Autoscaling;

/// <summary>
/// One of FC's <c>targetTrackingPolicies</c>, validated: keep <see cref="MetricType"/> near
/// <see cref="MetricTarget"/> by moving the provisioned count within [<see cref="MinCapacity"/>,
/// <see cref="MaxCapacity"/>], while now is in [<see cref="StartTime"/>, <see cref="EndTime"/>).
/// </summary>
/// <param name="Index">Its place in the config's array; with <see cref="Name"/> it names the policy in messages.</param>
internal sealed record TargetTrackingPolicy(
    int Index,
    string? Name,
    ScalingMetricType MetricType,
    double MetricTarget,
    int MinCapacity,
    int MaxCapacity,
    DateTimeOffset? StartTime,
    DateTimeOffset? EndTime,
    TimeZoneInfo TimeZone)
{
    public const string Kind = "targetTrackingPolicies";

    /// <summary>How messages and state name it: its name, else its place ("targetTrackingPolicies[2]").</summary>
    public string Key => Name ?? $"{Kind}[{Index}]";

    /// <summary>Whether it applies at <paramref name="now"/>: in [startTime, endTime), a missing bound being open.</summary>
    public bool AppliesAt(DateTimeOffset now) => ScalingWindow.Contains(StartTime, EndTime, now);
}
