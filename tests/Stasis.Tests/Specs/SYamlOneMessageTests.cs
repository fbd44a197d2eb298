using Stasis.Client.Specs;

namespace Stasis.Tests.Specs;

/// <summary>What a file repeats is said once: the shapes real fc3 files have (tests/Stasis.FunctionalTests/Fc3Corpus).</summary>
public sealed class SYamlOneMessageTests
{
    private static string Resource(string key, string props) => $"""
          {key}:
            component: fc3
            props:
        {props}
        """;

    private static string File(params string[] resources) => "edition: 3.0.0\nname: t\nresources:\n" + string.Join("\n", resources);

    [Fact]
    public void Built_in_runtimes_in_several_resources_are_one_message_and_hide_the_rest()
    {
        var yaml = File(
            Resource("a", "      functionName: a\n      runtime: nodejs18\n      code: .\n      triggers:\n        - {triggerName: t, triggerType: timer}"),
            Resource("b", "      functionName: a\n      runtime: python3.10\n      code: ."));

        var error = Assert.Single(SpecYaml.Fails(yaml).Errors);

        Assert.StartsWith("2 resources use FC's built-in language runtimes (nodejs18, python3.10), which Stasis does not run: a (nodejs18, line", error.Message);
        Assert.Contains(FunctionSpecValidator.BuiltInRuntimeRemedy, error.Message);
    }

    [Fact]
    public void Unset_env_variables_are_one_message_naming_each_once()
    {
        var yaml = "edition: 3.0.0\nname: t\nvars:\n  region: ${env('REGION')}\nresources:\n"
            + Resource("a", "      region: ${vars.region}\n      functionName: ${env('NAME')}\n      code: .\n      customContainerConfig:\n        image: ${env('IMAGE')}");

        var error = Assert.Single(SpecYaml.Fails(yaml).Errors);

        Assert.StartsWith("these environment variables are not set and their ${env()} give no default: REGION (line 4), NAME (line", error.Message);
        Assert.Equal(1, error.Message.Split("REGION").Length - 1);
    }

    [Fact]
    public void Expressions_of_a_namespace_serverless_devs_lacks_are_one_message()
    {
        var yaml = "edition: 3.0.0\nname: t\ndefaults:\n  cpu: 2\nresources:\n"
            + Resource("a", "      functionName: ${defaults.name}\n      cpu: ${defaults.cpu}\n      code: .\n      customContainerConfig:\n        command: [x]");

        var error = Assert.Single(SpecYaml.Fails(yaml).Errors);

        Assert.StartsWith("${defaults.name} (line 9), ${defaults.cpu} (line 10) name 'defaults', which Serverless Devs does not define", error.Message);
    }

    [Fact]
    public void Several_unsupported_triggers_are_one_message()
    {
        var yaml = File(Resource("a", "      functionName: a\n      code: .\n      customContainerConfig:\n        command: [x]\n      triggers:\n        - {triggerName: t1, triggerType: timer}\n        - {triggerName: o1, triggerType: oss}"));

        var error = Assert.Single(SpecYaml.Fails(yaml).Errors);

        Assert.StartsWith("t1 (timer), o1 (oss) are not supported yet: Stasis serves http triggers only", error.Message);
    }

    [Fact]
    public void Props_nested_under_function_are_read_as_the_functions()
    {
        var resource = Assert.Single(SpecYaml.Parse(File(Resource("a", "      region: cn-hangzhou\n      function:\n        functionName: nested\n        code: .\n        customContainerConfig:\n          command: [x]"))).Resources);

        Assert.Equal(("nested", "cn-hangzhou"), (resource.Spec.FunctionName, resource.Spec.Region));
        Assert.Contains(resource.Warnings, w => w.Contains("was read as the function's props", StringComparison.Ordinal));
    }

    [Fact]
    public void A_bare_path_component_is_a_local_checkout_and_a_layer_is_skipped()
    {
        var yaml = File(
            "  fn:\n    component: ../../..\n    props:\n      functionName: f\n      code: .\n      customContainerConfig:\n        command: [x]",
            Resource("layer", "      layerName: deps\n      compatibleRuntime: [custom.debian10]\n      code: ."));

        var document = SpecYaml.Parse(yaml);

        Assert.Equal("f", Assert.Single(document.Resources).Spec.FunctionName);
        Assert.Contains(document.Skipped, s => s.Contains("is a layer (layerName)", StringComparison.Ordinal));
    }

    [Fact]
    public void Empty_props_is_one_error()
    {
        var error = Assert.Single(SpecYaml.Fails(File(Resource("a", "      {}"))).Errors);

        Assert.Equal("props is empty: an fc3 function needs at least functionName and what it runs (customContainerConfig.image, or code with a custom runtime)", error.Message);
    }
}
