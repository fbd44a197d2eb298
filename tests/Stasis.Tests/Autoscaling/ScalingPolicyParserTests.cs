using System.Text.Json.Nodes;
using Stasis.Server.Autoscaling;

namespace Stasis.Tests.Autoscaling;

public sealed class ScalingPolicyParserTests
{
    private const string Tracking = """{"name": "scaling-policy-demo", "metricType": "ProvisionedConcurrencyUtilization", "metricTarget": 0.6, "minCapacity": 1, "maxCapacity": 10}""";
    private const string Action = """{"name": "morning", "target": 2, "scheduleExpression": "cron(0 0 8 * * *)", "timeZone": "Asia/Shanghai"}""";

    private static IReadOnlyList<string> Errors(string tracking = "[]", string actions = "[]")
    {
        var ok = ScalingPolicyParser.TryParse(Array(tracking), Array(actions), out var policies, out var errors);
        Assert.Equal(errors.Count == 0, ok);
        Assert.Equal(ok, policies is not null);
        return errors;
    }

    /// <summary>The one error of a tracking policy that is <see cref="Tracking"/> with <paramref name="change"/> merged in.</summary>
    private static string TrackingError(string change) => Assert.Single(Errors($"[{Merge(Tracking, change)}]"));

    private static string ActionError(string change) => Assert.Single(Errors(actions: $"[{Merge(Action, change)}]"));

    private static string Merge(string json, string change)
    {
        var merged = JsonNode.Parse(json)!.AsObject();
        foreach (var (key, value) in JsonNode.Parse(change)!.AsObject())
        {
            merged[key] = value?.DeepClone();
        }

        return merged.ToJsonString();
    }

    private static JsonArray Array(string json) => JsonNode.Parse(json)!.AsArray();

    [Fact]
    public void Parse_FcExample_GivesTypedPolicies()
    {
        var ok = ScalingPolicyParser.TryParse(
            Array("""
                [{"name": "scaling-policy-demo", "metricType": "CPUUtilization", "metricTarget": 0.6, "minCapacity": 1, "maxCapacity": 10,
                  "startTime": "2024-03-10T08:00:00.000Z", "endTime": "2024-03-10T20:00:00", "timeZone": "Asia/Shanghai"}]
                """),
            Array("""
                [{"name": "morning", "target": 2, "scheduleExpression": "cron(0 0 8 * * *)", "timeZone": "Etc/UTC"},
                 {"target": 0, "scheduleExpression": "at(2024-03-10T20:00:00+08:00)", "startTime": "2024-03-10T08:00:00Z"}]
                """),
            out var policies, out var errors);

        Assert.True(ok, string.Join("\n", errors));
        var policy = Assert.Single(policies!.TargetTracking);
        Assert.Equal(new TargetTrackingPolicy(0, "scaling-policy-demo", ScalingMetricType.CPUUtilization, 0.6, 1, 10,
            new DateTimeOffset(2024, 3, 10, 8, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2024, 3, 10, 12, 0, 0, TimeSpan.Zero), // 20:00 in Shanghai
            TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai")), policy);
        Assert.Equal(["morning", "scheduledActions[1]"], policies.ScheduledActions.Select(a => a.Key));
        Assert.Same(TimeZoneInfo.Utc, policies.ScheduledActions[0].TimeZone);
        Assert.Equal(new DateTimeOffset(2024, 3, 10, 12, 0, 0, TimeSpan.Zero), Assert.IsType<AtSchedule>(policies.ScheduledActions[1].Schedule).Instant);
    }

    [Fact]
    public void Parse_NoArrays_NoPolicies()
    {
        Assert.True(ScalingPolicyParser.TryParse(null, null, out var policies, out _));
        Assert.True(policies.IsEmpty);
    }

    [Fact]
    public void Parse_FieldNamesIgnoreCase_NullMeansAbsent()
    {
        Assert.Empty(Errors("""[{"MetricType": "cpuutilization", "METRICTARGET": 1, "minCapacity": 0, "maxCapacity": 0, "startTime": null, "name": ""}]"""));
    }

    [Theory]
    [InlineData("1.5", "1.5 is outside (0, 1]")]
    [InlineData("0", "0 is outside (0, 1]")]
    [InlineData("-0.2", "-0.2 is outside (0, 1]")]
    [InlineData("\"60%\"", "\"60%\" is not a number")]
    public void MetricTargetOutsideZeroToOne_Refused(string value, string problem)
    {
        Assert.Equal($"targetTrackingPolicies[0] (scaling-policy-demo).metricTarget: {problem}; use a fraction such as 0.6.",
            TrackingError($$"""{"metricTarget": {{value}}}"""));
    }

    [Fact]
    public void MinCapacityAboveMaxCapacity_Refused()
    {
        Assert.Equal("targetTrackingPolicies[0] (scaling-policy-demo).minCapacity: 5 is above maxCapacity 2; make minCapacity ≤ maxCapacity.",
            TrackingError("""{"minCapacity": 5, "maxCapacity": 2}"""));
    }

    [Theory]
    [InlineData("minCapacity", "-1", "-1 is outside 0–10000.")]
    [InlineData("maxCapacity", "10001", "10001 is outside 0–10000.")]
    [InlineData("maxCapacity", "2.5", "2.5 is not a whole number; give a count in 0–10000.")]
    public void CapacityOutsideRange_Refused(string field, string value, string problem)
    {
        Assert.Equal($"targetTrackingPolicies[0] (scaling-policy-demo).{field}: {problem}", TrackingError($$"""{"{{field}}": {{value}}}"""));
    }

    [Fact]
    public void ActionTargetOutsideRange_Refused()
    {
        Assert.Equal("scheduledActions[0] (morning).target: 20000 is outside 0–10000.", ActionError("""{"target": 20000}"""));
    }

    [Fact]
    public void EndTimeBeforeStartTime_Refused()
    {
        Assert.Equal("targetTrackingPolicies[0] (scaling-policy-demo).endTime: 2024-03-10T08:00:00Z is not after startTime 2024-03-11T08:00:00Z; make endTime later than startTime.",
            TrackingError("""{"startTime": "2024-03-11T08:00:00Z", "endTime": "2024-03-10T08:00:00Z"}"""));
        Assert.Equal("scheduledActions[0] (morning).endTime: 2024-03-10T08:00:00 is not after startTime 2024-03-10T08:00:00; make endTime later than startTime.",
            ActionError("""{"startTime": "2024-03-10T08:00:00", "endTime": "2024-03-10T08:00:00"}"""));
    }

    [Fact]
    public void MalformedTime_Refused()
    {
        Assert.Equal("targetTrackingPolicies[0] (scaling-policy-demo).startTime: '10/03/2024 08:00' is not an ISO time; use e.g. 2024-03-10T08:00:00Z, or 2024-03-10T08:00:00 for a time in the timeZone.",
            TrackingError("""{"startTime": "10/03/2024 08:00"}"""));
    }

    [Fact]
    public void UnknownMetricType_Refused()
    {
        Assert.Equal("targetTrackingPolicies[0] (scaling-policy-demo).metricType: 'QPS' is not a metric type; use ProvisionedConcurrencyUtilization, CPUUtilization or GPUMemUtilization.",
            TrackingError("""{"metricType": "QPS"}"""));
        Assert.Equal("targetTrackingPolicies[0] (scaling-policy-demo).metricType: '1' is not a metric type; use ProvisionedConcurrencyUtilization, CPUUtilization or GPUMemUtilization.",
            TrackingError("""{"metricType": "1"}"""));
    }

    [Fact]
    public void MissingField_Refused()
    {
        Assert.Equal("targetTrackingPolicies[0].metricType: missing; use ProvisionedConcurrencyUtilization, CPUUtilization or GPUMemUtilization.",
            Assert.Single(Errors("""[{"metricTarget": 0.6, "minCapacity": 1, "maxCapacity": 2}]""")));
    }

    [Theory]
    [InlineData("cron(0 0 25 * * *)", "is not a valid cron expression (Hours: Value must be a number between 0 and 23 (all inclusive))")]
    [InlineData("cron(0 0 8 * JUNE *)", "is not a valid cron expression (Months: Unexpected character 'E')")]
    [InlineData("cron(0 8 * * *)", "has 5 fields, not 6")]
    [InlineData("cron(0 0 8 * * * 2024)", "has 7 fields, not 6")]
    [InlineData("cron()", "has 0 fields, not 6")]
    public void MalformedCron_Refused(string expression, string problem)
    {
        Assert.Equal($"scheduledActions[0] (morning).scheduleExpression: '{expression}' {problem}; use cron(sec min hour day month weekday), e.g. cron(0 0 8 * * *) for 08:00 every day, or at(2024-03-10T08:00:00Z).",
            ActionError($$"""{"scheduleExpression": "{{expression}}"}"""));
    }

    [Theory]
    [InlineData("cron(0 0 8 ? * MON-FRI)")]
    [InlineData("CRON( 0  30 7 * * * )")]
    [InlineData("cron(*/10 * * * * *)")]
    [InlineData("at(2024-03-10T08:00:00.000Z)")]
    public void WellFormedSchedule_Accepted(string expression)
    {
        Assert.Empty(Errors(actions: $$"""[{"target": 1, "scheduleExpression": "{{expression}}"}]"""));
    }

    [Fact]
    public void CronThatNeverFires_Refused()
    {
        Assert.Equal("scheduledActions[0] (morning).scheduleExpression: 'cron(0 0 0 30 2 *)' never fires; use cron(sec min hour day month weekday), e.g. cron(0 0 8 * * *) for 08:00 every day, or at(2024-03-10T08:00:00Z).",
            ActionError("""{"scheduleExpression": "cron(0 0 0 30 2 *)"}"""));
    }

    [Theory]
    [InlineData("at(tomorrow)")]
    [InlineData("at(2024-03-10)")]
    [InlineData("at(2024-13-10T08:00:00Z)")]
    public void MalformedAt_Refused(string expression)
    {
        Assert.Equal($"scheduledActions[0] (morning).scheduleExpression: '{expression}' is not a valid at() time; use e.g. at(2024-03-10T08:00:00Z), or at(2024-03-10T08:00:00) for a time in the timeZone.",
            ActionError($$"""{"scheduleExpression": "{{expression}}"}"""));
    }

    [Fact]
    public void ScheduleOfAnotherKind_Refused()
    {
        Assert.Equal("scheduledActions[0] (morning).scheduleExpression: 'rate(5 minutes)' is neither cron(...) nor at(...); use cron(sec min hour day month weekday), e.g. cron(0 0 8 * * *) for 08:00 every day, or at(2024-03-10T08:00:00Z).",
            ActionError("""{"scheduleExpression": "rate(5 minutes)"}"""));
    }

    [Fact]
    public void UnknownTimeZone_Refused()
    {
        Assert.Equal("scheduledActions[0] (morning).timeZone: 'Mars/Olympus_Mons' is not a known time zone; use an IANA name such as Asia/Shanghai, or UTC.",
            ActionError("""{"timeZone": "Mars/Olympus_Mons"}"""));
        Assert.Equal("targetTrackingPolicies[0] (scaling-policy-demo).timeZone: '../../etc/passwd' is not a known time zone; use an IANA name such as Asia/Shanghai, or UTC.",
            TrackingError("""{"timeZone": "../../etc/passwd"}"""));
    }

    [Fact]
    public void MoreThanAHundredOfAKind_Refused()
    {
        var policies = $"[{string.Join(",", Enumerable.Repeat("""{"metricType": "CPUUtilization", "metricTarget": 0.5, "minCapacity": 0, "maxCapacity": 1}""", 101))}]";
        var actions = $"[{string.Join(",", Enumerable.Repeat("""{"target": 1, "scheduleExpression": "cron(0 0 8 * * *)"}""", 101))}]";

        Assert.Equal(["targetTrackingPolicies: 101 policies; at most 100 are allowed.", "scheduledActions: 101 actions; at most 100 are allowed."],
            Errors(policies, actions));
        Assert.Empty(Errors(actions: $"[{string.Join(",", Enumerable.Repeat("""{"target": 1, "scheduleExpression": "cron(0 0 8 * * *)"}""", 100))}]"));
    }

    [Fact]
    public void UnknownField_Refused()
    {
        Assert.Equal("targetTrackingPolicies[0] (scaling-policy-demo).metricTargte: unknown field; the fields are name, metricType, metricTarget, minCapacity, maxCapacity, startTime, endTime, timeZone.",
            TrackingError("""{"metricTargte": 0.5}"""));
    }

    [Fact]
    public void DuplicateName_Refused()
    {
        Assert.Equal("scheduledActions[1] (morning).name: 'morning' is already the name of scheduledActions[0]; give each its own name.",
            Assert.Single(Errors(actions: $"[{Action}, {Action}]")));
    }

    [Fact]
    public void NotAnObject_Refused()
    {
        Assert.StartsWith("targetTrackingPolicies[0]: 3 is not an object; give one such as {\"name\": \"busy\"", Assert.Single(Errors("[3]")));
    }

    [Fact]
    public void SeveralProblems_AllReported_NothingParsed()
    {
        var ok = ScalingPolicyParser.TryParse(
            Array($"[{Tracking}, {Merge(Tracking, """{"name": "b", "metricTarget": 2}""")}]"),
            Array($"[{Action}, {Merge(Action, """{"name": "evening", "timeZone": "Nowhere"}""")}]"),
            out var policies, out var errors);

        Assert.False(ok);
        Assert.Null(policies);
        Assert.Equal([
            "targetTrackingPolicies[1] (b).metricTarget: 2 is outside (0, 1]; use a fraction such as 0.6.",
            "scheduledActions[1] (evening).timeZone: 'Nowhere' is not a known time zone; use an IANA name such as Asia/Shanghai, or UTC.",
        ], errors);
    }
}
