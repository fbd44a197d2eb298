using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Stasis.Client.Specs;

namespace Stasis.FunctionalTests.Samples;

/// <summary>The shipped samples, deployed from their own s.yaml and invoked as the seed's §9 does.</summary>
public sealed class SampleFunctionTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    private static readonly string Root = RepositoryRoot.Path;

    [Fact]
    public async Task TextClassifier_DeployedFromItsSYaml_AnswersTheSeedsShape()
    {
        var doc = SYamlLoader.Load(Path.Combine(Root, "samples", "text-classifier-python", "s.yaml"));
        var info = await fx.DeployAsync(doc.Resources.Single().Spec);

        using var response = await fx.Http.PostAsync($"fn/{info.Spec.FunctionName}/invoke", new StringContent("Nice to meet you", Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = Assert.Single(JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsArray());
        Assert.Equal("Nice to meet you", (string?)result!["text"]);
        Assert.Equal("not_spam", (string?)result["spam_detection_key"]);
        Assert.Equal(0, (int)result["spam_detection_label"]!);
        var spam = await fx.Http.PostAsync($"fn/{info.Spec.FunctionName}/invoke", new StringContent("WINNER! Claim your free cash prize now", Encoding.UTF8, "text/plain"));
        Assert.Equal("spam", (string?)JsonNode.Parse(await spam.Content.ReadAsStringAsync())![0]!["spam_detection_key"]);
    }

    [Fact]
    public async Task ImageEmbedding_DeployedFromItsSYaml_ReturnsA512DimensionalEmbedding()
    {
        var sample = Path.Combine(Root, "samples", "image-embedding-onnx");
        await BuildAsync(Path.Combine(sample, "ImageEmbedding.csproj"));
        var doc = SYamlLoader.Load(Path.Combine(sample, "s.yaml"));
        var info = await fx.DeployAsync(doc.Resources.Single().Spec);
        var image = new ByteArrayContent(await File.ReadAllBytesAsync(Path.Combine(sample, "testdata", "sample.png")));
        image.Headers.ContentType = new MediaTypeHeaderValue("image/png");

        using var response = await fx.Http.PostAsync($"fn/{info.Spec.FunctionName}/invoke", image);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(512, (int)body["dimensions"]!);
        Assert.Equal(512, body["embedding"]!.AsArray().Count);
        using var bad = await fx.Http.PostAsync($"fn/{info.Spec.FunctionName}/invoke", new StringContent("not an image"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    private static async Task BuildAsync(string project)
    {
        var psi = new ProcessStartInfo("dotnet", ["build", project, "-c", "Release", "-nologo", "-v", "quiet"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var build = Process.Start(psi)!;
        var output = build.StandardOutput.ReadToEndAsync();
        var error = build.StandardError.ReadToEndAsync();
        await build.WaitForExitAsync();
        Assert.True(build.ExitCode == 0, $"building {project} failed: {await output}{await error}");
    }
}
