namespace Stasis.Fuzzing;

/// <summary>The valid documents the fuzz targets start from; every field a parser reads appears in one.</summary>
public static class FuzzDocuments
{
    private const string Tracking = """
        {"name": "busy", "metricType": "ProvisionedConcurrencyUtilization", "metricTarget": 0.6, "minCapacity": 0, "maxCapacity": 2,
         "startTime": "2024-01-01T00:00:00Z", "endTime": "2099-01-01T00:00:00", "timeZone": "UTC"},
        {"name": "cpu", "metricType": "CPUUtilization", "metricTarget": 0.5, "minCapacity": 1, "maxCapacity": 1}
        """;

    private const string Actions = """
        {"name": "morning", "target": 1, "scheduleExpression": "cron(0 0 8 * * *)", "timeZone": "Asia/Shanghai"},
        {"name": "once", "target": 0, "scheduleExpression": "at(2024-03-10T08:00:00)", "startTime": "2024-01-01T00:00:00", "endTime": "2099-01-01T00:00:00Z", "timeZone": "America/New_York"}
        """;

    /// <summary>FC's ProvisionConfig with both kinds of policy, as <c>PUT .../provision</c> and <c>--provision FILE</c> take it.</summary>
    public const string ProvisionConfig = $$"""
        {"defaultTarget": 0, "alwaysAllocateCPU": false, "alwaysAllocateGPU": true,
         "targetTrackingPolicies": [{{Tracking}}],
         "scheduledActions": [{{Actions}}]}
        """;

    /// <summary>The file <c>provision put --targetTrackingPolicies FILE</c> takes: the array itself.</summary>
    public const string TrackingList = $"[{Tracking}]";

    /// <summary>The file <c>provision put --scheduledActions FILE</c> takes, in its other shape: an object holding the array.</summary>
    public const string ActionsObject = $$"""{"scheduledActions": [{{Actions}}]}""";
}
