using System.Text.Json.Nodes;
using Stasis.Client.Model;
using Stasis.Client.Specs;

namespace Stasis.Tests.Specs;

/// <summary>The s.yaml of the seed's GPU text-moderation example, plus the entrypoint/command/code the local runtime needs.</summary>
public sealed class SYamlLoaderSeedExampleTests : IDisposable
{
    private const string SeedYaml = """
        edition: 3.0.0
        name: fc3-gpu-example
        access: default
        vars:
          region: cn-shanghai
        resources:
          fcDemo:
            component: fc3
            props:
              region: ${vars.region}
              description: 'This is a text content moderation function'
              handler: not-used
              timeout: 1200
              memorySize: 8192
              cpu: 2
              gpuMemorySize: 8192
              diskSize: 512
              instanceConcurrency: 1
              runtime: custom-container
              environmentVariables:
                FCGPU_RUNTIME_SHMSIZE: '8589934592'
              customContainerConfig:
                image: registry.cn-shanghai.aliyuncs.com/my-ns/text-moderation:v1
                port: 9000
                entrypoint: [python3]
                command: [server.py, --port, '9000']
              internetAccess: true
              logConfig:
                enableRequestMetrics: true
                enableInstanceMetrics: true
                logBeginRule: DefaultRegex
                project: my-log-project
                logstore: my-logstore
              functionName: fc-text-moderation
              gpuConfig:
                gpuMemorySize: 8192
                gpuType: fc.gpu.tesla.1
              code: ./app
              triggers:
                - triggerName: httpTrigger
                  triggerType: http
                  triggerConfig:
                    authType: anonymous
                    methods:
                      - GET
                      - POST
        """;

    private readonly string directory = Directory.CreateTempSubdirectory("stasis-spec-").FullName;

    public SYamlLoaderSeedExampleTests() => Directory.CreateDirectory(Path.Combine(directory, "app"));

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void Load_SeedExample_MapsEveryProp()
    {
        var path = Path.Combine(directory, "s.yaml");
        File.WriteAllText(path, SeedYaml);

        var doc = SYamlLoader.Load(path, _ => null);

        Assert.Equal("fc3-gpu-example", doc.Name);
        Assert.Equal("3.0.0", doc.Edition);
        Assert.Equal("cn-shanghai", doc.Vars["region"]!.GetValue<string>());
        var resource = Assert.Single(doc.Resources);
        Assert.Equal("fcDemo", resource.ResourceKey);
        Assert.Equal("fc3", resource.Component);
        Assert.Equal(SpecYaml.LineOf(SeedYaml, "fcDemo:"), resource.Line);
        var spec = resource.Spec;
        Assert.Equal("fc-text-moderation", spec.FunctionName);
        Assert.Equal("cn-shanghai", spec.Region);
        Assert.Equal("This is a text content moderation function", spec.Description);
        Assert.Equal("not-used", spec.Handler);
        Assert.Equal(1200, spec.Timeout);
        Assert.Equal(8192, spec.MemorySize);
        Assert.Equal(2.0, spec.Cpu);
        Assert.Equal(8192, spec.GpuMemorySize);
        Assert.Equal(512, spec.DiskSize);
        Assert.Equal(1, spec.InstanceConcurrency);
        Assert.Equal("custom-container", spec.Runtime);
        Assert.Equal("8589934592", spec.EnvironmentVariables["FCGPU_RUNTIME_SHMSIZE"]);
        Assert.Equal("registry.cn-shanghai.aliyuncs.com/my-ns/text-moderation:v1", spec.CustomContainerConfig!.Image);
        Assert.Equal(9000, spec.CustomContainerConfig.Port);
        Assert.Equal(new[] { "python3" }, spec.CustomContainerConfig.Entrypoint!);
        Assert.Equal(new[] { "server.py", "--port", "9000" }, spec.CustomContainerConfig.Command!);
        Assert.True(spec.InternetAccess);
        Assert.True(spec.LogConfig!["enableRequestMetrics"]!.GetValue<bool>());
        Assert.True(spec.LogConfig["enableInstanceMetrics"]!.GetValue<bool>());
        Assert.Equal("DefaultRegex", spec.LogConfig["logBeginRule"]!.GetValue<string>());
        Assert.Equal("my-log-project", spec.LogConfig["project"]!.GetValue<string>());
        Assert.Equal("my-logstore", spec.LogConfig["logstore"]!.GetValue<string>());
        Assert.Equal(8192, spec.GpuConfig!.GpuMemorySize);
        Assert.Equal("fc.gpu.tesla.1", spec.GpuConfig.GpuType);
        Assert.Equal(Path.Combine(directory, "app"), spec.Code);
        var trigger = Assert.Single(spec.Triggers);
        Assert.Equal("httpTrigger", trigger.TriggerName);
        Assert.Equal("http", trigger.TriggerType);
        Assert.Equal("anonymous", trigger.TriggerConfig!.AuthType);
        Assert.Equal(new[] { "GET", "POST" }, trigger.TriggerConfig.Methods!);
        Assert.Null(spec.UnknownProps);
        Assert.Null(spec.CustomContainerConfig.UnknownProps);
    }

    [Fact]
    public void Load_SeedExample_HasNoWarnings()
    {
        var path = Path.Combine(directory, "s.yaml");
        File.WriteAllText(path, SeedYaml);

        var doc = SYamlLoader.Load(path, _ => null);

        Assert.Empty(doc.Warnings);
        Assert.Empty(doc.Resources[0].Warnings);
    }

    [Fact]
    public void Load_RelativePathFromElsewhere_ResolvesCodeAgainstTheFilesDirectory()
    {
        var sub = Directory.CreateDirectory(Path.Combine(directory, "deploy")).FullName;
        File.WriteAllText(Path.Combine(sub, "s.yaml"), SeedYaml.Replace("code: ./app", "code: ../app"));
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, Path.Combine(sub, "s.yaml"));

        var doc = SYamlLoader.Load(relative, _ => null);

        Assert.Equal(Path.Combine(directory, "app"), doc.Resources[0].Spec.Code);
    }

    [Fact]
    public void Load_MissingFile_ErrorNamesThePath()
    {
        var path = Path.Combine(directory, "nope.yaml");

        var ex = Assert.Throws<SpecException>(() => SYamlLoader.Load(path, _ => null));

        Assert.StartsWith(path + ": cannot read the file", ex.Message);
    }

    [Fact]
    public void Parse_LifecycleProvisionAndExtensions_AreMapped()
    {
        var yaml = SpecYaml.Function("""
                  instanceLifecycleConfig:
                    initializer:
                      handler: not-used
                      timeout: 300
                    preStop:
                      handler: not-used
                      timeout: 20
                  provisionConfig:
                    defaultTarget: 2
                    alwaysAllocateGPU: false
                    targetTrackingPolicies:
                      - name: scaling-policy-demo
                        metricType: ProvisionedConcurrencyUtilization
                        metricTarget: 0.3
                        minCapacity: 2
                        maxCapacity: 30
                  maxInstances: 4
                  idleTimeout: 600
                  schedulingPolicy: least-outstanding
                  maxRequestsPerSecond: 12.5
                  burst: 25
            """);

        var spec = SpecYaml.Parse(yaml).Resources[0].Spec;

        Assert.Equal(new LifecycleHook { Handler = "not-used", Timeout = 300 }, spec.InstanceLifecycleConfig!.Initializer);
        Assert.Equal(new LifecycleHook { Handler = "not-used", Timeout = 20 }, spec.InstanceLifecycleConfig.PreStop);
        Assert.Equal(2, spec.ProvisionConfig!["defaultTarget"]!.GetValue<long>());
        Assert.False(spec.ProvisionConfig["alwaysAllocateGPU"]!.GetValue<bool>());
        var policy = spec.ProvisionConfig["targetTrackingPolicies"]!.AsArray().Single()!;
        Assert.Equal(0.3, policy["metricTarget"]!.GetValue<double>());
        Assert.Equal(30, policy["maxCapacity"]!.GetValue<long>());
        Assert.Equal(4, spec.MaxInstances);
        Assert.Equal(600, spec.IdleTimeout);
        Assert.Equal("least-outstanding", spec.SchedulingPolicy);
        Assert.Equal((12.5, 25), (spec.MaxRequestsPerSecond, spec.Burst));
        Assert.Null(spec.UnknownProps);
    }

    [Fact]
    public void Parse_LogConfigQuotedNumber_StaysString()
    {
        var yaml = SpecYaml.Function("""
                  logConfig:
                    project: '123'
                    logstore: 456
            """);

        var log = SpecYaml.Parse(yaml).Resources[0].Spec.LogConfig!;

        Assert.Equal(JsonValue.Create("123").ToJsonString(), log["project"]!.ToJsonString());
        Assert.Equal("456", log["logstore"]!.ToJsonString());
    }
}
