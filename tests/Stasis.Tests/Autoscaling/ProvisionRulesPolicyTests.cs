using System.Text.Json.Nodes;
using Stasis.Server.Functions;

namespace Stasis.Tests.Autoscaling;

/// <summary>The provision API validates through <see cref="ProvisionRules.Validate"/>: bad policies refuse the whole config.</summary>
public sealed class ProvisionRulesPolicyTests
{
    [Fact]
    public void Validate_BadPolicy_RefusesTheConfig()
    {
        var input = ProvisionConfigJson.Read(JsonNode.Parse("""
            {"defaultTarget": 1,
             "targetTrackingPolicies": [{"name": "scaling-policy-demo", "metricType": "ProvisionedConcurrencyUtilization", "metricTarget": 1.5, "minCapacity": 1, "maxCapacity": 10}],
             "scheduledActions": [{"name": "morning", "target": 2, "scheduleExpression": "cron(0 0 8 * * *)", "timeZone": "Asia/Shanghai"}]}
            """)!.AsObject());

        Assert.Equal(["targetTrackingPolicies[0] (scaling-policy-demo).metricTarget: 1.5 is outside (0, 1]; use a fraction such as 0.6."],
            ProvisionRules.Validate(input, ProvisionRules.Latest));
    }

    [Theory]
    [InlineData("""{"scheduledActions": [{"target": 1, "scheduleExpression": "at(soon)"}]}""", "scheduledActions[0].scheduleExpression: 'at(soon)'")]
    [InlineData("""{"targetTrackingPolicies": [{"metricType": "QPS", "metricTarget": 0.5, "minCapacity": 0, "maxCapacity": 1}]}""", "targetTrackingPolicies[0].metricType: 'QPS'")]
    [InlineData("""{"scheduledActions": [{"target": 1, "scheduleExpression": "cron(0 0 8 * * *)", "timeZone": "Nowhere"}]}""", "scheduledActions[0].timeZone: 'Nowhere'")]
    public void Check_BadPolicy_SaysWhich(string json, string start)
    {
        Assert.StartsWith(start, ProvisionConfigJson.Check(JsonNode.Parse(json)!.AsObject()));
    }

    [Fact]
    public void Validate_GoodPolicies_NoErrors()
    {
        var input = ProvisionConfigJson.Read(JsonNode.Parse("""
            {"defaultTarget": 1,
             "targetTrackingPolicies": [{"name": "demo", "metricType": "CPUUtilization", "metricTarget": 0.6, "minCapacity": 1, "maxCapacity": 10,
                                         "startTime": "2024-03-10T08:00:00.000Z", "endTime": "2024-12-31T00:00:00Z", "timeZone": "Asia/Shanghai"}],
             "scheduledActions": [{"name": "morning", "target": 2, "scheduleExpression": "cron(0 0 8 * * *)", "timeZone": "Asia/Shanghai"},
                                  {"name": "launch", "target": 5, "scheduleExpression": "at(2024-03-10T08:00:00Z)"}]}
            """)!.AsObject());

        Assert.Empty(ProvisionRules.Validate(input, ProvisionRules.Latest));
    }
}
