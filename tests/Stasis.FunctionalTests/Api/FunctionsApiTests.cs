using System.Net;
using System.Net.Http.Json;
using System.Text;
using Stasis.Client.Model;
using Stasis.FunctionalTests.Gateway;

namespace Stasis.FunctionalTests.Api;

public sealed class FunctionsApiTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Put_MalformedJson_Is400InvalidJsonAndStoresNothing()
    {
        using var response = await fx.Http.PutAsync("api/v1/functions/bad-json", new StringContent("{\"functionName\": \"bad-json\", \"timeout\": }", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("InvalidJson", (await GatewayTests.ReadError(response)).Code);
        Assert.Equal(HttpStatusCode.NotFound, (await fx.Http.GetAsync("api/v1/functions/bad-json")).StatusCode);
    }

    [Fact]
    public async Task Put_UnknownField_Is400NamingIt()
    {
        using var response = await fx.Http.PutAsync("api/v1/functions/odd", new StringContent("{\"functionName\": \"odd\", \"timeuot\": 3}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("timeuot", (await GatewayTests.ReadError(response)).Message);
    }

    [Theory]
    [InlineData("port", "customContainerConfig.port")]
    [InlineData("concurrency", "instanceConcurrency")]
    [InlineData("memory", "memorySize")]
    [InlineData("image", "customContainerConfig.image")]
    [InlineData("auth", "authType")]
    [InlineData("policy", "schedulingPolicy")]
    public async Task Put_InvalidSpec_Is400InvalidSpecWithDetails(string what, string mentioned)
    {
        var spec = ServerFixture.Echo("invalid-" + what);
        spec = what switch
        {
            "port" => spec with { CustomContainerConfig = spec.CustomContainerConfig! with { Port = 70000 } },
            "concurrency" => spec with { InstanceConcurrency = 201 },
            "memory" => spec with { MemorySize = -1 },
            "image" => spec with { CustomContainerConfig = new CustomContainerConfig { Image = "Registry/X:1", Port = 9000 } },
            "policy" => spec with { SchedulingPolicy = "fastest-first" },
            _ => spec with { Triggers = [new TriggerSpec { TriggerName = "t", TriggerType = "http", TriggerConfig = new TriggerConfig { AuthType = "jwt" } }] },
        };

        using var response = await fx.Http.PutAsJsonAsync($"api/v1/functions/{spec.FunctionName}", spec, JsonDefaults.Options);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await GatewayTests.ReadError(response);
        Assert.Equal("InvalidSpec", error.Code);
        Assert.Contains(error.Details!, d => d.Contains(mentioned, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Put_NameInUrlDiffersFromBody_Is400()
    {
        using var response = await fx.Http.PutAsJsonAsync("api/v1/functions/one", ServerFixture.Echo("two"), JsonDefaults.Options);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("NameMismatch", (await GatewayTests.ReadError(response)).Code);
    }

    [Fact]
    public async Task CreateGetListDelete_RoundTrip()
    {
        using var created = await fx.Http.PostAsJsonAsync("api/v1/functions", ServerFixture.Echo("crud"), JsonDefaults.Options);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var conflict = await fx.Http.PostAsJsonAsync("api/v1/functions", ServerFixture.Echo("crud"), JsonDefaults.Options);
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);

        var info = await fx.Http.GetFromJsonAsync<FunctionInfo>("api/v1/functions/crud", JsonDefaults.Options);
        Assert.Equal(4, info!.Spec.InstanceConcurrency);
        Assert.Equal("anonymous", info.Triggers.Single().AuthType);
        var list = await fx.Http.GetFromJsonAsync<List<FunctionInfo>>("api/v1/functions", JsonDefaults.Options);
        Assert.Contains(list!, f => f.Spec.FunctionName == "crud");

        Assert.Equal(HttpStatusCode.NoContent, (await fx.Http.DeleteAsync("api/v1/functions/crud")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await fx.Http.GetAsync("api/v1/functions/crud")).StatusCode);
    }

    [Fact]
    public async Task UnknownRoute_Is404Json()
    {
        using var response = await fx.Http.GetAsync("api/v2/whatever");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("NotFound", (await GatewayTests.ReadError(response)).Code);
    }

    [Fact]
    public async Task Status_ReportsTheRuntimeAndItsIsolation()
    {
        var status = await fx.Http.GetFromJsonAsync<ServerStatus>("api/v1/status", JsonDefaults.Options);

        Assert.Equal("process", status!.Runtime);
        Assert.NotEmpty(status.RuntimeDetails);
    }
}
