namespace Stasis.Tests.Specs;

/// <summary>Props of one fc3 resource: what is mapped, kept, warned about and refused.</summary>
public sealed class SYamlLoaderTests
{
    [Fact]
    public void Parse_UnknownProp_KeptWithWarning()
    {
        var yaml = SpecYaml.Function("""
                  role: acs:ram::123:role/aliyunfcdefaultrole
                  vpcConfig:
                    vpcId: vpc-1
                    vSwitchIds: [vsw-1, vsw-2]
            """);

        var resource = SpecYaml.Parse(yaml).Resources[0];

        var unknown = resource.Spec.UnknownProps!;
        Assert.Equal("acs:ram::123:role/aliyunfcdefaultrole", unknown["role"]!.GetValue<string>());
        Assert.Equal("vsw-2", unknown["vpcConfig"]!["vSwitchIds"]![1]!.GetValue<string>());
        Assert.Contains($"fn.props.role (line {SpecYaml.LineOf(yaml, "role:")}) is not used by Stasis and was kept", resource.Warnings);
        Assert.Contains($"fn.props.vpcConfig (line {SpecYaml.LineOf(yaml, "vpcConfig:")}) is not used by Stasis and was kept", resource.Warnings);
    }

    [Fact]
    public void Parse_ContainerExtraKeys_KeptWithWarning()
    {
        var yaml = SpecYaml.File("""
                  functionName: fn
                  code: .
                  customContainerConfig:
                    command: [python3, app.py]
                    accelerationType: Default
                    registryConfig:
                      certConfig:
                        insecure: false
            """);

        var resource = SpecYaml.Parse(yaml).Resources[0];

        var unknown = resource.Spec.CustomContainerConfig!.UnknownProps!;
        Assert.Equal("Default", unknown["accelerationType"]!.GetValue<string>());
        Assert.False(unknown["registryConfig"]!["certConfig"]!["insecure"]!.GetValue<bool>());
        Assert.Contains($"fn.props.customContainerConfig.accelerationType (line {SpecYaml.LineOf(yaml, "accelerationType")}) is not used by Stasis and was kept", resource.Warnings);
    }

    [Theory]
    [InlineData("timeout: abc", "fn.props.timeout", "expected an integer (seconds), got 'abc'")]
    [InlineData("instanceConcurrency: [1]", "fn.props.instanceConcurrency", "expected an integer (requests per instance), got a list")]
    [InlineData("triggers: foo", "fn.props.triggers", "expected a list of triggers, got 'foo'")]
    [InlineData("internetAccess: maybe", "fn.props.internetAccess", "expected true or false, got 'maybe'")]
    [InlineData("cpu: two", "fn.props.cpu", "expected a number (vCPUs), got 'two'")]
    [InlineData("environmentVariables: [A]", "fn.props.environmentVariables", "expected a mapping of NAME: value, got a list")]
    [InlineData("logConfig: on", "fn.props.logConfig", "expected a mapping, got 'on'")]
    [InlineData("memorySzie: 1024", "fn.props.memorySzie", "memorySzie is not an fc3 prop; did you mean memorySize?")]
    [InlineData("instanceConcurency: 4", "fn.props.instanceConcurency", "instanceConcurency is not an fc3 prop; did you mean instanceConcurrency?")]
    [InlineData("environmentVariable: {A: b}", "fn.props.environmentVariable", "environmentVariable is not an fc3 prop; did you mean environmentVariables?")]
    [InlineData("MemorySize: 1024", "fn.props.MemorySize", "MemorySize is not an fc3 prop; did you mean memorySize?")]
    public void Parse_MistypedProp_ErrorNamesPropLineAndExpectedType(string prop, string field, string message)
    {
        var yaml = SpecYaml.Function("      " + prop);

        var ex = SpecYaml.Fails(yaml);

        var error = Assert.Single(ex.Errors);
        Assert.Equal(field, error.Field);
        Assert.Equal(SpecYaml.LineOf(yaml, prop), error.Line);
        Assert.Equal(message, error.Message);
        Assert.Equal($"s.yaml:{error.Line}:{error.Column}: {field}: {message}", ex.Message);
    }

    [Theory]
    [InlineData("logConfig: auto")]
    [InlineData("logConfig: 'auto|project=my-project'")]
    public void Parse_LogConfigAuto_IsKeptAsGiven(string prop)
    {
        var spec = Assert.Single(SpecYaml.Parse(SpecYaml.Function("      " + prop)).Resources).Spec;

        Assert.StartsWith("auto", spec.LogConfig!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("vpcConfig: auto")]
    [InlineData("layers: [acs:fc:cn-hangzhou:official:layers/Python310/versions/2]")]
    [InlineData("disableOndemand: true")]
    [InlineData("tracingConfig: {type: Jaeger}")]
    public void Parse_AnFcPropStasisDoesNotUse_IsKeptWithAWarning_NotTakenForATypo(string prop)
    {
        var resource = Assert.Single(SpecYaml.Parse(SpecYaml.Function("      " + prop)).Resources);

        Assert.Contains(resource.Warnings, w => w.Contains("is not used by Stasis and was kept", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_AnUnrenderedTemplate_IsOneErrorNamingItsPlaceholders()
    {
        var yaml = """
            edition: 3.0.0
            name: {{ projectName }}
            access: '{{ access }}'
            # {{ commented }} is not a placeholder
            resources:
              fn:
                component: fc3
                props:
                  region: '{{ region }}'
                  functionName: '{{ functionName }}'
                  description: 'for {{ functionName }}'
            """;

        var error = Assert.Single(SpecYaml.Fails(yaml).Errors);

        Assert.Equal(2, error.Line);
        Assert.Equal(
            "this is a Serverless Devs template whose {{ }} placeholders are not filled in: projectName (line 2), access (line 3), region (line 9), "
            + "functionName (line 10, 11). Render it first (`s init` asks for them), or replace each {{ name }} with its value",
            error.Message);
    }

    [Fact]
    public void Parse_ATabInTheIndentation_NamesItsOwnLine()
    {
        var yaml = "edition: 3.0.0\nname: demo\nresources:\n\tfn:\n    component: fc3\n";

        var error = Assert.Single(SpecYaml.Fails(yaml).Errors);

        Assert.Equal((4, 1), (error.Line, error.Column));
        Assert.Equal("invalid YAML: a tab in the indentation; YAML indents with spaces only", error.Message);
    }

    [Fact]
    public void Parse_MistypedNestedValue_ErrorNamesNestedPath()
    {
        var yaml = SpecYaml.File("""
                  functionName: fn
                  code: .
                  customContainerConfig:
                    command: python3 app.py
                    port: http
            """);

        var ex = SpecYaml.Fails(yaml);

        Assert.Equal(
            new[]
            {
                $"s.yaml:{SpecYaml.LineOf(yaml, "command:")}:18: fn.props.customContainerConfig.command: expected a list of strings, e.g. [python, app.py], got 'python3 app.py'",
                $"s.yaml:{SpecYaml.LineOf(yaml, "port:")}:15: fn.props.customContainerConfig.port: expected an integer (a TCP port), got 'http'",
            },
            ex.Errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Parse_SeveralProblems_ReportsAllAtOnce()
    {
        var yaml = SpecYaml.Function("""
                  timeout: abc
                  memorySize: -1
                  instanceConcurrency: 0
            """);

        var ex = SpecYaml.Fails(yaml);

        Assert.Equal(new[] { "fn.props.timeout", "fn.props.memorySize", "fn.props.instanceConcurrency" }, ex.Errors.Select(e => e.Field));
        Assert.Equal(new int?[] { SpecYaml.LineOf(yaml, "timeout"), SpecYaml.LineOf(yaml, "memorySize"), SpecYaml.LineOf(yaml, "instanceConcurrency") },
            ex.Errors.Select(e => e.Line));
        Assert.StartsWith("s.yaml has 3 errors:", ex.Message);
    }

    [Fact]
    public void Parse_MissingFunctionName_ErrorPointsAtProps()
    {
        var yaml = SpecYaml.File("""
                  code: .
                  customContainerConfig:
                    command: [python3, app.py]
            """);

        var error = Assert.Single(SpecYaml.Fails(yaml).Errors);

        Assert.Equal("fn.props.functionName", error.Field);
        Assert.Equal("functionName is required", error.Message);
        Assert.Equal(SpecYaml.LineOf(yaml, "props:"), error.Line);
    }

    [Fact]
    public void Parse_ImageOnly_AsOnFc_IsValid_TheServerChecksItsStore()
    {
        var yaml = SpecYaml.File("""
                  functionName: fn
                  customContainerConfig:
                    image: registry.example.com/ns/app:v1
                    port: 9000
            """);

        var spec = Assert.Single(SpecYaml.Parse(yaml).Resources).Spec;

        Assert.Equal("registry.example.com/ns/app:v1", spec.CustomContainerConfig!.Image);
        Assert.Null(spec.Code);
    }

    [Fact]
    public void Parse_PortOutOfRange_ErrorNamesPortLine()
    {
        var yaml = SpecYaml.File("""
                  functionName: fn
                  code: .
                  customContainerConfig:
                    command: [python3, app.py]
                    port: 70000
            """);

        var error = Assert.Single(SpecYaml.Fails(yaml).Errors);

        Assert.Equal("fn.props.customContainerConfig.port", error.Field);
        Assert.Equal(SpecYaml.LineOf(yaml, "port: 70000"), error.Line);
        Assert.Equal("must be between 1 and 65535 (a TCP port), got 70000", error.Message);
    }

    [Fact]
    public void Parse_UnsupportedAuthType_ErrorNamesTriggerLine()
    {
        var yaml = SpecYaml.Function("""
                  triggers:
                    - triggerName: httpTrigger
                      triggerType: http
                      triggerConfig:
                        authType: jwt
                        methods: [GET]
            """);

        var error = Assert.Single(SpecYaml.Fails(yaml).Errors);

        Assert.Equal("fn.props.triggers[0].triggerConfig.authType", error.Field);
        Assert.Equal(SpecYaml.LineOf(yaml, "authType: jwt"), error.Line);
        Assert.Equal("authType 'jwt' is not supported by Stasis; use anonymous or function (function requires an access key, see docs/security.md)", error.Message);
    }

    [Fact]
    public void Parse_BadMethod_ErrorNamesMethodsLine()
    {
        var yaml = SpecYaml.Function("""
                  triggers:
                    - triggerName: httpTrigger
                      triggerConfig:
                        methods: [get, FETCH]
            """);

        var error = Assert.Single(SpecYaml.Fails(yaml).Errors);

        Assert.Equal("fn.props.triggers[0].triggerConfig.methods", error.Field);
        Assert.Equal(SpecYaml.LineOf(yaml, "methods:"), error.Line);
        Assert.StartsWith("'FETCH' is not an HTTP method", error.Message);
    }

    [Fact]
    public void Parse_LowerCaseMethods_NormalisedToUpperCase()
    {
        var yaml = SpecYaml.Function("""
                  triggers:
                    - triggerName: httpTrigger
                      triggerType: HTTP
                      triggerConfig:
                        methods: [get, Post, GET]
            """);

        var trigger = SpecYaml.Parse(yaml).Resources[0].Spec.Triggers.Single();

        Assert.Equal(new[] { "GET", "POST" }, trigger.TriggerConfig!.Methods!);
        Assert.Equal("http", trigger.TriggerType);
    }

    [Fact]
    public void Parse_CodeAsObject_UsesSrc()
    {
        var yaml = SpecYaml.File("""
                  functionName: fn
                  code:
                    src: ./app
                  customContainerConfig:
                    command: [python3, app.py]
            """);

        var resource = SpecYaml.Parse(yaml).Resources[0];

        Assert.Equal(Path.GetFullPath(Path.Combine(SpecYaml.BaseDirectory, "app")), resource.Spec.Code);
        Assert.Contains(resource.Warnings, w => w.StartsWith($"fn.props.code (line {SpecYaml.LineOf(yaml, "src:")}) names ") && w.EndsWith("which does not exist (yet)"));
    }

    [Fact]
    public void Parse_CodeAbsolute_KeptAsIs()
    {
        var absolute = Path.GetFullPath(SpecYaml.BaseDirectory);
        var yaml = SpecYaml.File($"""
                  functionName: fn
                  code: {absolute}
                  customContainerConfig:
                    command: [python3, app.py]
            """);

        Assert.Equal(absolute.TrimEnd(Path.DirectorySeparatorChar), SpecYaml.Parse(yaml).Resources[0].Spec.Code!.TrimEnd(Path.DirectorySeparatorChar));
    }

    [Fact]
    public void Parse_CustomRuntimeConfig_StartsLikeEntrypointAndCommand()
    {
        var yaml = SpecYaml.File("""
                  functionName: fn
                  runtime: custom.debian10
                  code: .
                  customRuntimeConfig:
                    command: [python3]
                    args: [app.py]
                    port: 8080
            """);

        var container = SpecYaml.Parse(yaml).Resources[0].Spec.CustomContainerConfig!;

        Assert.Equal(new[] { "python3" }, container.Entrypoint!);
        Assert.Equal(new[] { "app.py" }, container.Command!);
        Assert.Equal(8080, container.Port);
    }

    [Fact]
    public void Parse_MergeKey_AppliesSharedProps()
    {
        const string yaml = """
            edition: 3.0.0
            shared: &shared
              code: .
              timeout: 300
              customContainerConfig:
                command: [python3, app.py]
            resources:
              fn:
                component: fc3
                props:
                  <<: *shared
                  functionName: fn
            """;

        var doc = SpecYaml.Parse(yaml);

        Assert.Equal(300, doc.Resources[0].Spec.Timeout);
        Assert.Contains($"shared (line 2) is not used by Stasis and was ignored", doc.Warnings);
    }
}
