using System.Net.Http.Json;
using Stasis.Client.Model;
using Stasis.Server.Api;

namespace Stasis.FunctionalTests.Security;

/// <summary>A function's environment variables are write-only to read keys: names shown, values redacted; an admin key sees them.</summary>
public sealed class SecretsRedactionTests(AuthServerFixture fx) : IClassFixture<AuthServerFixture>
{
    [Fact]
    public async Task AReadKey_SeesTheNamesOfAFunctionsVariables_NotTheirValues_AndAnAdminKeySeesThem()
    {
        using var admin = fx.Bearer(fx.Admin);
        var spec = ServerFixture.Echo("with-secrets", env: new() { ["DB_PASSWORD"] = "hunter2-very-secret", ["MODE"] = "fast" });
        (await admin.PutAsJsonAsync("api/v1/functions/with-secrets", spec, JsonDefaults.Options)).EnsureSuccessStatusCode();
        var read = await fx.CreateKeyAsync("read", "dashboard");
        using var reader = fx.Bearer(read);

        var one = (await reader.GetFromJsonAsync<FunctionInfo>("api/v1/functions/with-secrets", JsonDefaults.Options))!;
        var all = await reader.GetStringAsync("api/v1/functions");
        var asAdmin = (await admin.GetFromJsonAsync<FunctionInfo>("api/v1/functions/with-secrets", JsonDefaults.Options))!;

        Assert.True(one.EnvironmentRedacted);
        Assert.Equal(["DB_PASSWORD", "MODE"], one.Spec.EnvironmentVariables.Keys.Order());
        Assert.All(one.Spec.EnvironmentVariables.Values, v => Assert.Equal(FunctionInfoBuilder.Redacted, v));
        Assert.DoesNotContain("hunter2-very-secret", all, StringComparison.Ordinal);
        Assert.False(asAdmin.EnvironmentRedacted);
        Assert.Equal("hunter2-very-secret", asAdmin.Spec.EnvironmentVariables["DB_PASSWORD"]);
    }
}
