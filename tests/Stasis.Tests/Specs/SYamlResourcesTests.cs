namespace Stasis.Tests.Specs;

public sealed class SYamlResourcesTests
{
    [Fact]
    public void Parse_SeveralResources_MapsEachFc3ResourceAndSkipsOthers()
    {
        const string yaml = """
            edition: 3.0.0
            name: app
            resources:
              embed:
                component: fc3
                props:
                  functionName: embed
                  code: .
                  customContainerConfig:
                    command: [python3, embed.py]
              rerank:
                component: fc3@dev
                props:
                  functionName: rerank
                  code: .
                  customContainerConfig:
                    command: [python3, rerank.py]
              classify:
                component: devsapp/fc3
                props:
                  functionName: classify
                  code: .
                  customContainerConfig:
                    command: [python3, classify.py]
              bucket:
                component: oss
                props:
                  bucket: my-bucket
            """;

        var doc = SpecYaml.Parse(yaml);

        Assert.Equal(new[] { "embed", "rerank", "classify" }, doc.Resources.Select(r => r.ResourceKey));
        Assert.Equal(new[] { "embed", "rerank", "classify" }, doc.Resources.Select(r => r.Spec.FunctionName));
        Assert.Equal(new[] { "fc3", "fc3@dev", "devsapp/fc3" }, doc.Resources.Select(r => r.Component));
        Assert.Equal("rerank.py", doc.Resources[1].Spec.CustomContainerConfig!.Command![1]);
        Assert.Contains($"resources.bucket (line {SpecYaml.LineOf(yaml, "bucket:")}) uses component 'oss', which Stasis does not deploy; skipped", doc.Warnings);
    }

    [Theory]
    [InlineData("${path('../')}", null, "a local checkout of a component (path())")]
    [InlineData("${path(\"../\") }", null, "a local checkout of a component (path())")]
    [InlineData("${env('fc_component_version', path('../../../'))}", null, "a local checkout of a component (path())")]
    [InlineData("${env('fc_component_version', path('../../../'))}", "fc3@0.1.2", "fc3@0.1.2 (${fc_component_version})")]
    public void Parse_AComponentGivenAsALocalCheckout_IsReadAsFc3_WithAWarning(string component, string? variable, string what)
    {
        var yaml = $"""
            edition: 3.0.0
            name: test
            resources:
              fcDemo:
                component: {component}
                props:
            {SpecYaml.MinimalProps}
            """;

        var doc = SpecYaml.Parse(yaml, name => name == "fc_component_version" ? variable : null);

        Assert.Equal("fn", Assert.Single(doc.Resources).Spec.FunctionName);
        Assert.Contains(doc.Warnings, w => w.Contains($"is {what}; its props are read as fc3's", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_AComponentVariableNamingAnotherComponent_IsSkipped()
    {
        var yaml = $"""
            edition: 3.0.0
            name: test
            resources:
              fcDemo:
                component: {"${env('fc_component_version', path('../'))}"}
                props:
            {SpecYaml.MinimalProps}
            """;

        var doc = SpecYaml.Parse(yaml, name => name == "fc_component_version" ? "fc" : null);

        Assert.Empty(doc.Resources);
        Assert.Contains(doc.Warnings, w => w.Contains("which Stasis does not deploy; skipped", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_ErrorsInSeveralResources_EachNamesItsResource()
    {
        const string yaml = """
            edition: 3.0.0
            resources:
              a:
                component: fc3
                props:
                  functionName: a
                  timeout: 0
                  code: .
                  customContainerConfig:
                    command: [x]
              b:
                component: fc3
                props:
                  functionName: b
                  code: .
                  customContainerConfig:
                    command: [x]
                    port: 0
            """;

        var ex = SpecYaml.Fails(yaml);

        Assert.Equal(new[] { "a.props.timeout", "b.props.customContainerConfig.port" }, ex.Errors.Select(e => e.Field));
        Assert.Equal(new int?[] { SpecYaml.LineOf(yaml, "timeout: 0"), SpecYaml.LineOf(yaml, "port: 0") }, ex.Errors.Select(e => e.Line));
    }

    [Fact]
    public void Parse_SameFunctionNameTwice_Error()
    {
        const string yaml = """
            edition: 3.0.0
            resources:
              a:
                component: fc3
                props:
                  functionName: same
                  code: .
                  customContainerConfig: {command: [x]}
              b:
                component: fc3
                props:
                  functionName: same
                  code: .
                  customContainerConfig: {command: [x]}
            """;

        var error = Assert.Single(SpecYaml.Fails(yaml).Errors);

        Assert.Equal("b.props.functionName", error.Field);
        Assert.Equal(12, error.Line);
        Assert.Equal("functionName 'same' is also used by resource 'a'; each function needs its own name", error.Message);
    }

    [Fact]
    public void Parse_MissingComponent_Error()
    {
        const string yaml = "edition: 3.0.0\nresources:\n  fn:\n    props: {functionName: fn}\n";

        var error = Assert.Single(SpecYaml.Fails(yaml).Errors);

        Assert.Equal("fn.component", error.Field);
        Assert.Equal(3, error.Line);
    }

    [Fact]
    public void Parse_OtherEdition_Warns()
    {
        var yaml = SpecYaml.Function("").Replace("edition: 3.0.0", "edition: 1.0.0");

        var doc = SpecYaml.Parse(yaml);

        Assert.Contains("edition '1.0.0' (line 1) is not 3.0.0, the edition Stasis reads; the file may not load as intended", doc.Warnings);
    }

    [Fact]
    public void Parse_TemplateFlowActions_WarnedAsIgnored()
    {
        var yaml = SpecYaml.Function("") + """

            template:
              base:
                timeout: 10
            flow:
              - [fn]
            actions:
              pre-deploy:
                - run: echo hi
            """;

        var doc = SpecYaml.Parse(yaml);

        Assert.Contains($"template (line {SpecYaml.LineOf(yaml, "template:")}) is ignored by Stasis", doc.Warnings);
        Assert.Contains($"flow (line {SpecYaml.LineOf(yaml, "flow:")}) is ignored by Stasis", doc.Warnings);
        Assert.Contains($"actions (line {SpecYaml.LineOf(yaml, "actions:")}) is ignored by Stasis", doc.Warnings);
        Assert.Equal(60, doc.Resources[0].Spec.Timeout);
    }
}
