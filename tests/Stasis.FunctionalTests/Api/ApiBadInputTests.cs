using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Stasis.Client.Model;
using Stasis.FunctionalTests.Gateway;

namespace Stasis.FunctionalTests.Api;

/// <summary>
/// Bodies and queries that once got a 500 or a bare 400 from the control API; each now gets a 4xx JSON error
/// that names what to fix (or, where the input is valid JSON the server can keep, a 2xx).
/// </summary>
public sealed class ApiBadInputTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    [Theory]
    [InlineData("triggers", "[null]", "triggers[0] is null")]
    [InlineData("environmentVariables", "{\"A\": null}", "environmentVariables.A is null")]
    public async Task Post_NullWhereTheSpecNeedsAValue_Is400InvalidJsonNamingIt(string field, string value, string named)
    {
        var spec = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(ServerFixture.Echo("nulls-" + field), JsonDefaults.Options))!.AsObject();
        spec[field] = JsonNode.Parse(value);

        using var response = await fx.Http.PostAsync("api/v1/functions", new StringContent(spec.ToJsonString(), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await GatewayTests.ReadError(response);
        Assert.Equal("InvalidJson", error.Code);
        Assert.Contains(named, error.Message);
    }

    [Fact]
    public async Task Post_NullFunctionName_IsAMissingName()
    {
        var spec = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(ServerFixture.Echo("null-name"), JsonDefaults.Options))!.AsObject();
        spec["functionName"] = null;
        spec["triggers"]![0]!["triggerType"] = null;

        using var response = await fx.Http.PostAsync("api/v1/functions", new StringContent(spec.ToJsonString(), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await GatewayTests.ReadError(response);
        Assert.Equal("InvalidSpec", error.Code);
        Assert.Contains("functionName is required", error.Message);
    }

    [Fact]
    public async Task Put_NullListsAndTriggerType_MeanNotGiven()
    {
        var spec = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(ServerFixture.Echo("null-lists"), JsonDefaults.Options))!.AsObject();
        spec["environmentVariables"] = null;
        spec["triggers"]![0]!["triggerType"] = null;

        using var response = await fx.Http.PutAsync("api/v1/functions/null-lists", new StringContent(spec.ToJsonString(), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var info = await fx.Http.GetFromJsonAsync<FunctionInfo>("api/v1/functions/null-lists", JsonDefaults.Options);
        Assert.Equal("http", info!.Spec.Triggers.Single().TriggerType);
        Assert.Empty(info.Spec.EnvironmentVariables);
    }

    [Fact]
    public async Task Put_MethodsWithNull_Is400InvalidJson()
    {
        var spec = ServerFixture.Echo("null-method") with { Triggers = [new TriggerSpec { TriggerName = "http", TriggerConfig = new TriggerConfig { Methods = ["GET", null!] } }] };

        using var response = await fx.Http.PutAsJsonAsync("api/v1/functions/null-method", spec, JsonDefaults.Options);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("triggers[0].triggerConfig.methods[1] is null", (await GatewayTests.ReadError(response)).Message);
    }

    [Fact]
    public async Task Put_KeptJsonWithNamesDifferingInCase_IsKeptAsWritten()
    {
        var body = System.Text.Json.JsonSerializer.Serialize(ServerFixture.Echo("log-case"), JsonDefaults.Options)
            .Replace("\"functionName\"", "\"logConfig\": {\"project\": \"a\", \"PROJECT\": \"b\"}, \"functionName\"", StringComparison.Ordinal);

        using var response = await fx.Http.PutAsync("api/v1/functions/log-case", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var info = await fx.Http.GetFromJsonAsync<JsonObject>("api/v1/functions/log-case", JsonDefaults.Options);
        Assert.Equal("b", (string?)info!["spec"]!["logConfig"]!["PROJECT"]);
    }

    [Fact]
    public async Task Put_KeptJsonNestedTooDeepToWriteBack_Is400AndTheListStillAnswers()
    {
        var deep = string.Concat(Enumerable.Repeat("{\"a\":", 40)) + "1" + new string('}', 40);
        var body = System.Text.Json.JsonSerializer.Serialize(ServerFixture.Echo("log-deep"), JsonDefaults.Options)
            .Replace("\"functionName\"", $"\"logConfig\": {deep}, \"functionName\"", StringComparison.Ordinal);

        using var response = await fx.Http.PutAsync("api/v1/functions/log-deep", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await GatewayTests.ReadError(response);
        Assert.Equal("InvalidJson", error.Code);
        Assert.Contains("nests more than 32 levels deep", error.Message);
        using var list = await fx.Http.GetAsync("api/v1/functions");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
    }

    [Fact]
    public async Task PutProvision_FieldTwiceInDifferentCase_Is400NamingIt()
    {
        await fx.DeployAsync(ServerFixture.Echo("prov-case"));
        const string body = """{"targetTrackingPolicies": [{"name": "busy", "metricType": "CPUUtilization", "MetricType": "CPUUtilization", "metricTarget": 0.5, "minCapacity": 0, "maxCapacity": 1}]}""";

        using var response = await fx.Http.PutAsync("api/v1/functions/prov-case/provision", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await GatewayTests.ReadError(response);
        Assert.Equal("InvalidProvisionConfig", error.Code);
        Assert.Contains("metricType: given twice", error.Message);
    }

    [Fact]
    public async Task PutProvision_NameThatIsNotUtf8_Is400InvalidJson()
    {
        await fx.DeployAsync(ServerFixture.Echo("prov-utf8"));
        var body = Encoding.UTF8.GetBytes("""{"scheduledActions": [{"name": "a", "tar!get": 1, "scheduleExpression": "cron(0 0 8 * * *)"}]}""");
        body[Array.IndexOf(body, (byte)'!')] = 0xFF;

        using var response = await fx.Http.PutAsync("api/v1/functions/prov-utf8/provision", new ByteArrayContent(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await GatewayTests.ReadError(response);
        Assert.Equal("InvalidJson", error.Code);
        Assert.Contains("not UTF-8", error.Message);
    }

    [Fact]
    public async Task PutProvision_AtTimeBeyondYear9999InUtc_Is400NamingIt()
    {
        await fx.DeployAsync(ServerFixture.Echo("prov-edge"));
        const string body = """{"scheduledActions": [{"name": "late", "target": 1, "scheduleExpression": "at(9999-12-31T23:59:59-14:00)"}]}""";

        using var response = await fx.Http.PutAsync("api/v1/functions/prov-edge/provision", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("scheduledActions[0] (late).scheduleExpression", (await GatewayTests.ReadError(response)).Message);
    }

    [Theory]
    [InlineData("instances?all=maybe", "InvalidAll")]
    [InlineData("logs?tail=0x10", "InvalidTail")]
    [InlineData("logs?tail=-1", "InvalidTail")]
    [InlineData("logs?follow=null", "InvalidFollow")]
    public async Task Get_QueryValueThatDoesNotRead_Is400JsonNamingIt(string pathAndQuery, string code)
    {
        await fx.DeployAsync(ServerFixture.Echo("queries"));

        using var response = await fx.Http.GetAsync("api/v1/functions/queries/" + pathAndQuery);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(code, (await GatewayTests.ReadError(response)).Code);
    }

    [Fact]
    public async Task Put_BodyOverTheLimit_Is413PayloadTooLargeJson()
    {
        var body = "{\"description\": \"" + new string('d', 2 * 1024 * 1024) + "\"}";

        using var response = await fx.Http.PutAsync("api/v1/functions/big", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var error = await GatewayTests.ReadError(response);
        Assert.Equal("PayloadTooLarge", error.Code);
        Assert.Contains("--max-body", error.Message);
    }
}
