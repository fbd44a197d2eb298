using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Stasis.Server.Autoscaling;
using Stasis.Server.Functions;

namespace Stasis.Tests.Autoscaling;

/// <summary>Inputs at the edges of what the policy parser reads: each is refused with an error that names it, never thrown.</summary>
public sealed class ScalingInputEdgeTests
{
    [Theory]
    [InlineData("at(9999-12-31T23:59:59-14:00)")] // year 10000 in UTC
    [InlineData("at(0001-01-01T00:00:00+14:00)")] // before year 1 in UTC
    [InlineData("at(2024-03-10T08:00:00+99:99)")] // the form of an offset, not one
    [InlineData("at(2024-03-10T08:00:00+14:60)")]
    public void AtOutsideWhatATimeHolds_Refused(string expression)
    {
        var ok = ScalingPolicyParser.TryParse(null, [new JsonObject { ["target"] = 1, ["scheduleExpression"] = expression }], out _, out var errors);

        Assert.False(ok);
        Assert.Contains("is not a valid at() time", Assert.Single(errors));
    }

    [Fact]
    public void LocalStartTimeBeforeYearOneInItsZone_Refused()
    {
        var action = new JsonObject { ["target"] = 1, ["scheduleExpression"] = "cron(0 0 8 * * *)", ["startTime"] = "0001-01-01T00:00:00", ["timeZone"] = "Asia/Shanghai" };

        ScalingPolicyParser.TryParse(null, [action], out _, out var errors);

        Assert.Contains("startTime: '0001-01-01T00:00:00' is not an ISO time", Assert.Single(errors));
    }

    [Fact]
    public void FieldGivenTwiceInDifferentCase_RefusedByName()
    {
        var input = ProvisionConfigJson.Read(JsonNode.Parse("""
            {"targetTrackingPolicies": [{"name": "busy", "metricType": "CPUUtilization", "METRICTYPE": "CPUUtilization",
              "metricTarget": 0.5, "minCapacity": 1, "maxCapacity": 2}]}
            """)!.AsObject());

        var errors = ProvisionRules.Validate(input, ProvisionRules.Latest);

        Assert.Contains("targetTrackingPolicies[0] (busy).metricType: given twice (names ignore case); keep one.", errors);
    }

    [Fact]
    public void NameThatIsNotUtf8_IsAJsonException()
    {
        var body = Encoding.UTF8.GetBytes("""{"scheduledActions": [{"name": "a", "tar!get": 1}]}""");
        body[Array.IndexOf(body, (byte)'!')] = 0xFF;

        var e = Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<Stasis.Client.Model.ProvisionConfigInput>(body, ProvisionConfigJson.Strict));

        Assert.Contains("not UTF-8", e.Message);
    }

    [Fact]
    public void LoneSurrogateEscape_IsAJsonException()
    {
        var json = JsonNode.Parse("""{"scheduledActions": [{"name": "\ud800", "target": 1, "scheduleExpression": "cron(0 0 8 * * *)"}]}""")!.AsObject();

        var e = Assert.Throws<JsonException>(() => ProvisionConfigJson.Read(json));

        Assert.Contains("not one half of a pair", e.Message);
    }
}
