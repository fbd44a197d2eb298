namespace Stasis.Tests.Specs;

/// <summary>Files that are not a readable s.yaml at all: each error names the file, line and column.</summary>
public sealed class SYamlSyntaxTests
{
    [Fact]
    public void Parse_MalformedYaml_ErrorNamesFileLineAndColumn()
    {
        const string yaml = """
            edition: 3.0.0
            resources:
              fn:
                component: fc3
                props:
                  functionName: [fn
                  timeout: 60
            """;

        var ex = SpecYaml.Fails(yaml);

        var error = Assert.Single(ex.Errors);
        Assert.Equal("s.yaml", error.Source);
        Assert.NotNull(error.Line);
        Assert.InRange(error.Line!.Value, SpecYaml.LineOf(yaml, "[fn"), SpecYaml.LineOf(yaml, "timeout: 60") + 1);
        Assert.NotNull(error.Column);
        Assert.StartsWith($"s.yaml:{error.Line}:{error.Column}: invalid YAML: ", ex.Message);
    }

    [Fact]
    public void Parse_NulCharacter_ErrorNamesLineAndColumn()
    {
        var yaml = SpecYaml.Function("      description: a\0b");

        var error = Assert.Single(SpecYaml.Fails(yaml).Errors);

        Assert.Contains("a NUL character", error.Message);
        Assert.Equal(SpecYaml.LineOf(yaml, "description:"), error.Line);
        Assert.Equal("      description: a".Length + 1, error.Column);
    }

    [Fact]
    public void Parse_DuplicateKey_ErrorNamesTheLine()
    {
        var yaml = SpecYaml.Function("      timeout: 10\n      timeout: 20");

        var error = Assert.Single(SpecYaml.Fails(yaml).Errors);

        Assert.Contains("invalid YAML", error.Message);
        Assert.Equal(SpecYaml.LineOf(yaml, "timeout: 20"), error.Line);
    }

    [Fact]
    public void Parse_AKeyGivenTwiceOnceQuotedOrTagged_IsOneErrorNotACrash()
    {
        // YAML tells "logConfig" from a tagged !x logConfig; as a prop both are logConfig.
        var yaml = SpecYaml.Function("      logConfig:\n        a: 1\n        !x a: 2");

        var error = Assert.Single(SpecYaml.Fails(yaml).Errors);

        Assert.Equal("'a' is given twice in this mapping; keep one", error.Message);
        Assert.Equal(SpecYaml.LineOf(yaml, "!x a: 2"), error.Line);
    }

    [Fact]
    public void Parse_UnclosedQuote_ErrorNamesTheLine()
    {
        var yaml = SpecYaml.Function("      description: 'unclosed");

        var error = Assert.Single(SpecYaml.Fails(yaml).Errors);

        Assert.StartsWith("invalid YAML: ", error.Message);
        Assert.InRange(error.Line!.Value, SpecYaml.LineOf(yaml, "unclosed"), SpecYaml.LineOf(yaml, "unclosed") + 1);
    }

    [Fact]
    public void Parse_BadIndentation_ErrorNamesTheLine()
    {
        const string yaml = "edition: 3.0.0\nresources:\n  fn:\n    component: fc3\n   props: {}\n";

        var ex = SpecYaml.Fails(yaml);

        Assert.Equal(5, Assert.Single(ex.Errors).Line);
        Assert.Contains("invalid YAML", ex.Message);
    }

    [Fact]
    public void Parse_TopLevelList_ErrorSaysMappingExpected()
    {
        var ex = SpecYaml.Fails("- a\n- b\n");

        Assert.Equal("s.yaml:1:1: the top level must be a mapping (edition, name, vars, resources)", ex.Message);
    }

    [Fact]
    public void Parse_EmptyFile_ErrorSaysEmpty()
    {
        var ex = SpecYaml.Fails("");

        Assert.Equal("s.yaml: the file is empty", ex.Message);
    }

    [Fact]
    public void Parse_NoResources_ErrorSaysResourcesRequired()
    {
        var ex = SpecYaml.Fails("edition: 3.0.0\nname: x\n");

        Assert.Contains("resources is required", Assert.Single(ex.Errors).Message);
    }
}
