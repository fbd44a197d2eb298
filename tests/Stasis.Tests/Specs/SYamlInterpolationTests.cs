namespace Stasis.Tests.Specs;

public sealed class SYamlInterpolationTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] vars) =>
        name => vars.FirstOrDefault(v => v.Name == name).Value;

    private static string WithVars(string vars, string extraProps) =>
        SpecYaml.Function(extraProps).Replace("name: test\n", "name: test\nvars:\n" + vars + "\n");

    [Fact]
    public void Parse_NestedVar_Resolved()
    {
        var yaml = WithVars("""
              model:
                name: bert
                region: cn-hangzhou
            """, """
                  region: ${vars.model.region}
                  description: serves ${vars.model.name} in ${vars.model.region}
            """);

        var doc = SpecYaml.Parse(yaml);

        Assert.Equal("cn-hangzhou", doc.Resources[0].Spec.Region);
        Assert.Equal("serves bert in cn-hangzhou", doc.Resources[0].Spec.Description);
        Assert.Equal("bert", doc.Vars["model"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public void Parse_NumberVarAsWholeValue_KeepsItsType()
    {
        var yaml = WithVars("""
              timeout: 900
              gpu: 16384
            """, """
                  timeout: ${vars.timeout}
                  gpuMemorySize: "${vars.gpu}"
                  customSetting: ${vars.gpu}
            """);

        var spec = SpecYaml.Parse(yaml).Resources[0].Spec;

        Assert.Equal(900, spec.Timeout);
        Assert.Equal(16384, spec.GpuMemorySize);
        Assert.Equal(16384L, spec.UnknownProps!["customSetting"]!.GetValue<long>());
    }

    [Fact]
    public void Parse_MappingVarAsWholeValue_BecomesTheMapping()
    {
        var yaml = WithVars("""
              env:
                MODEL: bert
                THREADS: 4
            """, """
                  environmentVariables: ${vars.env}
            """);

        var env = SpecYaml.Parse(yaml).Resources[0].Spec.EnvironmentVariables;

        Assert.Equal("bert", env["MODEL"]);
        Assert.Equal("4", env["THREADS"]);
    }

    [Theory]
    [InlineData("${env('REGION')}")]
    [InlineData("${env(\"REGION\")}")]
    [InlineData("${env(REGION)}")]
    [InlineData("${env.REGION}")]
    [InlineData("${ env('REGION', 'unused') }")]
    public void Parse_EnvForms_ReadTheEnvironment(string expression)
    {
        var yaml = SpecYaml.Function($"      region: \"{expression.Replace("\"", "\\\"")}\"");

        var spec = SpecYaml.Parse(yaml, Env(("REGION", "cn-beijing"))).Resources[0].Spec;

        Assert.Equal("cn-beijing", spec.Region);
    }

    [Fact]
    public void Parse_UnsetEnvWithDefault_UsesDefault()
    {
        var yaml = SpecYaml.Function("""
                  region: ${env('REGION', 'cn-shanghai')}
                  description: ${env(MISSING, "two words")}
            """);

        var spec = SpecYaml.Parse(yaml).Resources[0].Spec;

        Assert.Equal("cn-shanghai", spec.Region);
        Assert.Equal("two words", spec.Description);
    }

    [Fact]
    public void Parse_EnvNumberIntoTypedProp_ParsedAsNumber()
    {
        var yaml = SpecYaml.Function("""
                  memorySize: ${env('MEM', '2048')}
                  cpu: ${env.CPU}
            """);

        var spec = SpecYaml.Parse(yaml, Env(("CPU", "1.5"))).Resources[0].Spec;

        Assert.Equal(2048, spec.MemorySize);
        Assert.Equal(1.5, spec.Cpu);
    }

    [Fact]
    public void Parse_VarThatReadsEnv_Resolved()
    {
        var yaml = WithVars("""
              image: registry.${env('REGION', 'cn-hangzhou')}.aliyuncs.com/ns/app
            """, """
                  description: ${vars.image}
            """);

        var doc = SpecYaml.Parse(yaml);

        Assert.Equal("registry.cn-hangzhou.aliyuncs.com/ns/app", doc.Resources[0].Spec.Description);
        Assert.Equal("registry.cn-hangzhou.aliyuncs.com/ns/app", doc.Vars["image"]!.GetValue<string>());
    }

    [Fact]
    public void Parse_UnsetEnvWithoutDefault_ErrorNamesLine()
    {
        var yaml = SpecYaml.Function("      region: ${env('REGION')}");

        var error = Assert.Single(SpecYaml.Fails(yaml).Errors);

        Assert.Equal("fn.props.region", error.Field);
        Assert.Equal(SpecYaml.LineOf(yaml, "region:"), error.Line);
        Assert.StartsWith("environment variable 'REGION' is not set", error.Message);
    }

    [Fact]
    public void Parse_UnknownVar_ErrorNamesLineAndDefinedVars()
    {
        var yaml = WithVars("  region: cn-hangzhou", "      timeout: ${vars.timeout}");

        var error = Assert.Single(SpecYaml.Fails(yaml).Errors);

        Assert.Equal("fn.props.timeout", error.Field);
        Assert.Equal(SpecYaml.LineOf(yaml, "timeout: ${"), error.Line);
        Assert.Equal("unknown variable ${vars.timeout}: vars defines region", error.Message);
    }

    [Fact]
    public void Parse_VarReferringToItself_Error()
    {
        var yaml = WithVars("  a: x${vars.a}", "      description: ${vars.a}");

        var ex = SpecYaml.Fails(yaml);

        Assert.Contains(ex.Errors, e => e.Message == "variable vars.a refers to itself");
    }

    [Fact]
    public void Parse_UnsupportedExpression_KeptWithWarning()
    {
        var yaml = SpecYaml.Function("      role: acs:ram::${config('AccountID')}:role/fc");

        var resource = SpecYaml.Parse(yaml).Resources[0];

        Assert.Equal("acs:ram::${config('AccountID')}:role/fc", resource.Spec.UnknownProps!["role"]!.GetValue<string>());
        Assert.Contains($"fn.props.role (line {SpecYaml.LineOf(yaml, "role:")}) uses ${{config('AccountID')}}, which Stasis does not resolve; it was kept as written", resource.Warnings);
    }

    [Theory]
    [InlineData("STASIS_ACCESS_KEY", "anything")]
    [InlineData("DEPLOY_TOKEN", "AK1FU1EIN6I9EBQ7QBZABS.RYPXw1QIlcA7PYYa-GM5MvqG9MDijJeYEgUjkdGRdig")]
    public void Env_ThatExpandsAStasisCredential_Warns(string name, string value)
    {
        var yaml = SpecYaml.Function($$"""
                  environmentVariables:
                    TOKEN: ${env('{{name}}')}
            """);

        var resource = Assert.Single(SpecYaml.Parse(yaml, n => n == name ? value : null).Resources);

        Assert.Contains(resource.Warnings.Concat(SpecYaml.Parse(yaml, n => n == name ? value : null).Warnings), w => w.Contains("holds a Stasis access key", StringComparison.Ordinal));
    }

    [Fact]
    public void Env_ThatExpandsAnOrdinaryValue_DoesNotWarn()
    {
        var yaml = SpecYaml.Function("""
                  environmentVariables:
                    MODE: ${env('MODE')}
            """);

        var doc = SpecYaml.Parse(yaml, _ => "fast");

        Assert.DoesNotContain(doc.Resources.SelectMany(r => r.Warnings).Concat(doc.Warnings), w => w.Contains("access key", StringComparison.Ordinal));
    }
}
