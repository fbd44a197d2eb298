using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using Stasis.Client.Model;
using Stasis.Client.Specs;
using Stasis.FunctionalTests.Images;

namespace Stasis.FunctionalTests.Fc3Corpus;

/// <summary>
/// Real public fc3 s.yaml files (<c>files/NN-*/s.yaml</c>, each with its repository, path and commit in
/// <c>SOURCE</c>), read and deployed as a user would. Each file's <c>EXPECT</c> says what must happen:
/// <list type="bullet">
/// <item><c>runs</c>: every resource deploys and answers an HTTP request (public images are replaced by a stand-in
/// loaded under the same reference; a GPU function on a host without one deploys with the no-GPU notice);</item>
/// <item><c>starts-without: TEXT</c>: it deploys, and the instance cannot start here because a program the file runs
/// is not on this host (node, java, gunicorn): the invocation's 503 says so with TEXT;</item>
/// <item><c>refused: TEXT</c>: loading gives exactly one error, which contains TEXT (the one thing to change).</item>
/// </list>
/// <c>env: NAME=value</c> lines are the environment the file is loaded with, as a user exports it.
/// </summary>
[Collection(nameof(Fc3CorpusCollection))]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class Fc3CorpusTests(ImageServerFixture fx)
{
    public static string Files => Path.Combine(RepositoryRoot.Path, "tests", "Stasis.FunctionalTests", "Fc3Corpus", "files");

    public static TheoryData<string> Entries()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(Files).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(dir));
        }

        return data;
    }

    [Fact]
    public void The_corpus_has_20_files_from_5_repositories_each_with_its_source_and_expectation()
    {
        var entries = Directory.GetDirectories(Files);
        var repos = entries.Select(e => Source(e)["repo"]).Distinct().ToList();

        Assert.True(entries.Length >= 20, $"{entries.Length} files");
        Assert.True(repos.Count >= 5, string.Join(", ", repos));
        Assert.All(entries, e =>
        {
            var source = Source(e);
            Assert.Matches("^[0-9a-f]{40}$", source["commit"]);
            Assert.False(string.IsNullOrWhiteSpace(source["path"]));
            Assert.True(File.Exists(Path.Combine(e, "EXPECT")), $"{e} has no EXPECT");
        });
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public async Task Each_file_deploys_and_runs_or_gets_one_message(string entry)
    {
        var work = Stage(entry);
        var (expect, env) = Expectation(work);
        SYamlDocument document;
        try
        {
            document = SYamlLoader.Load(Path.Combine(work, "s.yaml"), name => env.GetValueOrDefault(name));
        }
        catch (SpecException e)
        {
            Assert.True(expect.StartsWith("refused: ", StringComparison.Ordinal), $"{entry} was refused, but should {expect}:\n{e.Message}");
            var error = Assert.Single(e.Errors);
            Assert.Contains(expect["refused: ".Length..], error.Message);
            return;
        }

        Assert.False(expect.StartsWith("refused: ", StringComparison.Ordinal), $"{entry} loaded, but should be {expect}");
        Assert.NotEmpty(document.Resources);
        foreach (var resource in document.Resources)
        {
            var spec = resource.Spec;
            if (spec.CustomContainerConfig?.Image is { Length: > 0 } image && (await fx.ImagesAsync()).All(i => !i.References.Contains(image)))
            {
                using var loaded = await fx.LoadAsync(fx.Archive, image);
                Assert.True(loaded.IsSuccessStatusCode, $"stand-in for {image}: {await loaded.Content.ReadAsStringAsync()}");
            }

            using var response = await fx.Http.PutAsJsonAsync($"api/v1/functions/{spec.FunctionName}", spec, JsonDefaults.Options);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{entry}/{resource.ResourceKey}: {(int)response.StatusCode} {text}");
            var deployed = (await response.Content.ReadFromJsonAsync<DeployResult>(JsonDefaults.Options))!;
            if (spec.GpuConfig is not null && fx.GpuAbsent)
            {
                Assert.Contains(deployed.Notices, n => n.Contains("asks for a GPU (gpuConfig)", StringComparison.Ordinal));
            }

            using var invoked = await fx.Http.GetAsync($"fn/{spec.FunctionName}/");
            var answer = await invoked.Content.ReadAsStringAsync();
            if (expect == "runs")
            {
                Assert.True(invoked.StatusCode == HttpStatusCode.OK, $"{entry}/{resource.ResourceKey}: {(int)invoked.StatusCode} {answer}");
            }
            else
            {
                Assert.StartsWith("starts-without: ", expect);
                Assert.True(invoked.StatusCode == HttpStatusCode.ServiceUnavailable, $"{entry}/{resource.ResourceKey}: {(int)invoked.StatusCode} {answer}");
                Assert.Contains(expect["starts-without: ".Length..], answer);
            }

            using (await fx.Http.DeleteAsync($"api/v1/functions/{spec.FunctionName}"))
            {
            }
        }
    }

    /// <summary>The one stand-in program: an HTTP server on FC_SERVER_PORT, put where an entry's <c>STANDIN</c> says its s.yaml starts one.</summary>
    private static string StandIn => Path.Combine(Files, "..", "standin.py");

    /// <summary>
    /// A copy of the entry to work in: its stand-ins in place (executable, as the built program would be), and zips built
    /// from their <c>X.src</c> folders, as the user would zip them.
    /// </summary>
    private static string Stage(string entry)
    {
        var work = Path.Combine(Path.GetTempPath(), "stasis-corpus-" + Guid.NewGuid().ToString("N")[..8], entry);
        Copy(Path.Combine(Files, entry), work);
        var standIns = Path.Combine(work, "STANDIN");
        foreach (var path in File.Exists(standIns) ? File.ReadAllLines(standIns).Where(l => l.Length > 0) : [])
        {
            var target = Path.Combine(work, path);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(StandIn, target, overwrite: true);
            File.SetUnixFileMode(target, (UnixFileMode)0x1ED);
        }

        foreach (var src in Directory.GetDirectories(work, "*.src", SearchOption.AllDirectories))
        {
            ZipFile.CreateFromDirectory(src, src[..^".src".Length] + ".zip");
        }

        return work;
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var dir in Directory.GetDirectories(from))
        {
            Copy(dir, Path.Combine(to, Path.GetFileName(dir)));
        }
    }

    private static (string Expect, Dictionary<string, string> Env) Expectation(string entry)
    {
        var lines = File.ReadAllLines(Path.Combine(entry, "EXPECT")).Where(l => l.Length > 0).ToList();
        var env = lines.Where(l => l.StartsWith("env: ", StringComparison.Ordinal))
            .Select(l => l["env: ".Length..].Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        return (lines.Single(l => !l.StartsWith("env: ", StringComparison.Ordinal)), env);
    }

    private static Dictionary<string, string> Source(string entry) =>
        File.ReadAllLines(Path.Combine(entry, "SOURCE")).Where(l => l.Contains(": ", StringComparison.Ordinal))
            .Select(l => l.Split(": ", 2)).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.First()[1].Trim(), StringComparer.Ordinal);
}

[CollectionDefinition(nameof(Fc3CorpusCollection))]
public sealed class Fc3CorpusCollection : ICollectionFixture<ImageServerFixture>;
