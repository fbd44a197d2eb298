using System.Text.Json;
using Stasis.Client.Model;
using Stasis.Client.Specs;
using Stasis.Fuzzing;

namespace Stasis.Tests.Fuzzing;

/// <summary>
/// The s.yaml loader, fuzzed: whatever the text (broken indentation, wrong types, ${vars} and ${env()} of every
/// form, anchor and alias bombs, deep nesting, bulk), it returns functions that can be sent to the server as
/// JSON, or throws a <see cref="SpecException"/> whose every error has a message; never another exception,
/// never a stack overflow, never a hang. <c>STASIS_FUZZ_CASES</c> sets the number of cases.
/// </summary>
public sealed class SYamlFuzzTests
{
    private static readonly Dictionary<string, string> Environment = new(StringComparer.Ordinal)
    {
        ["HOME"] = "/home/fuzz", ["MODEL"] = "m", ["X"] = "x", ["A"] = "a",
    };

    [Fact]
    public void Parse_MutatedSYaml_LoadsOrThrowsSpecException() =>
        FuzzRun.Check("s.yaml", SYamlFuzz.Cases, c => FuzzRun.Bounded(() => Load(c)), defaultCases: 300);

    private static string Load(YamlCase c)
    {
        SYamlDocument document;
        try
        {
            document = SYamlLoader.Parse(c.Text, "/nonexistent/fuzz", "s.yaml", Environment.GetValueOrDefault, c.RequireRunnable);
        }
        catch (SpecException e)
        {
            Assert.NotEmpty(e.Errors);
            Assert.All(e.Errors, d => Assert.False(string.IsNullOrWhiteSpace(d.Message)));
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
            return "SpecException";
        }

        foreach (var resource in document.Resources)
        {
            // What deploy sends: every loaded spec must be writable as the API's JSON.
            Assert.NotEmpty(JsonSerializer.Serialize(resource.Spec, JsonDefaults.Options));
            Assert.Empty(FunctionSpecValidator.Validate(resource.Spec, c.RequireRunnable));
        }

        return document.Resources.Count == 0 ? "loaded, no fc3 resource" : "loaded";
    }
}
