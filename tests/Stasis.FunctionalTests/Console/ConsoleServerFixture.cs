using Stasis.Client.Model;
using Stasis.Client.Specs;
using Stasis.Server.Hosting;

namespace Stasis.FunctionalTests.Console;

/// <summary>
/// A real server for the console tests: metrics intervals of 1 s so points appear soon, and a freeze grace
/// of 4 s so an idle-mode instance is seen warm between a request and its freeze.
/// </summary>
public sealed class ConsoleServerFixture : ServerFixture
{
    protected override StasisServerOptions Configure(StasisServerOptions options) =>
        options with { MetricsInterval = TimeSpan.FromSeconds(1), FreezeGrace = TimeSpan.FromSeconds(4) };

    /// <summary>Deploys the shipped text-classifier sample from its s.yaml, under another name.</summary>
    public Task<FunctionInfo> DeploySampleAsync(string name)
    {
        var doc = SYamlLoader.Load(Path.Combine(RepositoryRoot.Path, "samples", "text-classifier-python", "s.yaml"));
        return DeployAsync(doc.Resources.Single().Spec with { FunctionName = name });
    }

    /// <summary>Invokes the sample and returns the request id the gateway gave the call.</summary>
    public async Task<string> InvokeAsync(string name, string text = "Nice to meet you")
    {
        using var response = await Http.PostAsync($"fn/{name}/invoke", new StringContent(text));
        Assert.Equal(200, (int)response.StatusCode);
        return response.Headers.GetValues("x-fc-request-id").Single();
    }
}
