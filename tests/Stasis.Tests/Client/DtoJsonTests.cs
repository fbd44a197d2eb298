using System.Text.Json;
using Stasis.Client.Model;

namespace Stasis.Tests.Client;

public sealed class DtoJsonTests
{
    private const string Sparse = """{"spec":{"functionName":"a"},"version":1,"createdAt":"2025-01-01T00:00:00Z","updatedAt":"2025-01-01T00:00:00Z","url":"u"}""";

    [Fact]
    public void MissingMembersKeepTheirDefaults()
    {
        var f = JsonSerializer.Deserialize<FunctionInfo>(Sparse, JsonDefaults.Options)!;

        Assert.NotNull(f.Warnings);
        Assert.NotNull(f.Triggers);
        Assert.NotNull(f.Instances);
        Assert.NotNull(f.Spec.EnvironmentVariables);
        Assert.Equal(FunctionDefaults.TimeoutSeconds, f.Spec.Timeout);
        Assert.Equal(1, f.Spec.InstanceConcurrency);
    }
}
