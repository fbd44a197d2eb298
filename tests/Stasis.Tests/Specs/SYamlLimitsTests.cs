using System.Text;

namespace Stasis.Tests.Specs;

/// <summary>
/// Files that would exhaust whoever reads them (deep nesting, anchor and variable bombs, self-reference) are
/// refused with a <see cref="Stasis.Client.Specs.SpecException"/> that says why, quickly; files within the limits still load.
/// </summary>
public sealed class SYamlLimitsTests
{
    [Fact]
    public void Parse_TenThousandNestedLists_RefusedAtTheDepthLimit()
    {
        var yaml = SpecYaml.Function("      logConfig: " + new string('[', 10_000) + new string(']', 10_000));

        var error = Assert.Single(SpecYaml.Fails(yaml).Errors);

        Assert.Contains("nest more than 64 levels deep", error.Message);
        Assert.Equal(SpecYaml.LineOf(yaml, "logConfig:"), error.Line);
    }

    [Fact]
    public void Parse_NestingWithinTheLimit_Loads()
    {
        var yaml = SpecYaml.Function("      extra: " + new string('[', 50) + new string(']', 50));

        Assert.NotNull(Assert.Single(SpecYaml.Parse(yaml).Resources).Spec.UnknownProps!["extra"]);
    }

    [Fact]
    public void Parse_AliasBomb_RefusedAtTheExpansionLimit()
    {
        var bomb = new StringBuilder("[&a0 [x, x, x, x, x, x, x, x, x, x]");
        for (var level = 1; level <= 9; level++)
        {
            bomb.Append($", &a{level} [").AppendJoin(", ", Enumerable.Repeat($"*a{level - 1}", 10)).Append(']');
        }

        var error = Assert.Single(SpecYaml.Fails(SpecYaml.Function("      description: " + bomb + "]")).Errors);

        Assert.Contains("expands to more than 100000 values", error.Message);
    }

    [Fact]
    public void Parse_VariableBombWithoutAliases_RefusedAtTheExpansionLimit()
    {
        var vars = new StringBuilder("vars:\n  v0: [x, x, x, x, x, x, x, x, x, x]\n");
        for (var level = 1; level <= 9; level++)
        {
            vars.Append($"  v{level}: [").AppendJoin(", ", Enumerable.Repeat($"\"${{vars.v{level - 1}}}\"", 10)).Append("]\n");
        }

        var error = Assert.Single(SpecYaml.Fails(vars + SpecYaml.Function("      description: ${vars.v9}")).Errors);

        Assert.Contains("expands to more than 100000 values", error.Message);
    }

    [Fact]
    public void Parse_TextDoubledThroughVariables_Refused()
    {
        var vars = new StringBuilder("vars:\n  s0: abcdefghijklmnop\n");
        for (var level = 1; level <= 40; level++)
        {
            vars.Append($"  s{level}: \"${{vars.s{level - 1}}}${{vars.s{level - 1}}}\"\n");
        }

        var error = Assert.Single(SpecYaml.Fails(vars + SpecYaml.Function("      description: ${vars.s40}")).Errors);

        Assert.Matches("more than (100000 values|10000000 characters)", error.Message);
    }

    [Fact]
    public void Parse_LongChainOfVariables_RefusedAtTheDepthLimit()
    {
        var vars = new StringBuilder("vars:\n");
        for (var i = 0; i < 1000; i++)
        {
            vars.Append($"  c{i}: ${{vars.c{i + 1}}}\n");
        }

        var error = Assert.Single(SpecYaml.Fails(vars.Append("  c1000: end\n") + SpecYaml.Function("      description: ${vars.c0}")).Errors);

        Assert.Contains("nests more than 64 levels deep", error.Message);
    }

    [Fact]
    public void Parse_AliasInsideItsOwnAnchor_Refused()
    {
        var error = Assert.Single(SpecYaml.Fails(SpecYaml.Function("      description: &self [a, *self]")).Errors);

        Assert.Contains("an alias inside its own anchor never ends", error.Message);
    }

    [Fact]
    public void Parse_MergeOfAnUndefinedAnchor_RefusedNamingIt()
    {
        var yaml = SpecYaml.Function("      instanceLifecycleConfig:\n        <<: *missing");

        var error = Assert.Single(SpecYaml.Fails(yaml).Errors);

        Assert.Contains("uses *missing, but no &missing is defined before it", error.Message);
        Assert.Equal(SpecYaml.LineOf(yaml, "*missing"), error.Line);
    }

    [Fact]
    public void Parse_CodeWithNulCharacter_RefusedNotThrown()
    {
        var yaml = SpecYaml.File("""
                  functionName: fn
                  code: "app\0dir"
                  customContainerConfig:
                    command: [python3, app.py]
            """);

        Assert.Contains(SpecYaml.Fails(yaml).Errors, e => e.Field == "fn.props.code" && e.Message.Contains("NUL", StringComparison.Ordinal));
    }
}
