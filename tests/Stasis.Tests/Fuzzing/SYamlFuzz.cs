using FsCheck;
using FsCheck.Fluent;

namespace Stasis.Tests.Fuzzing;

/// <summary>FsCheck generators of <see cref="YamlCase"/>s: a valid s.yaml, mostly one to four edits, now and then a block.</summary>
public static class SYamlFuzz
{
    /// <summary>Every key the loader reads, ${vars} and ${env} of each form, an anchor with a merge, a non-fc3 resource.</summary>
    public const string Rich = """
        edition: 3.0.0
        name: fuzz-app
        access: default
        vars:
          region: local
          memory: 512
          shared: &shared
            timeout: 60
            instanceConcurrency: 4
          methods: [GET, POST]
          nested:
            list: [a, b, c]
        resources:
          classifier:
            component: fc3
            props:
              <<: *shared
              region: ${vars.region}
              functionName: fuzz-classifier
              description: "region ${vars.region}, home ${env(HOME)}"
              runtime: custom-container
              handler: not-used
              memorySize: ${vars.memory}
              cpu: 1
              diskSize: 512
              internetAccess: true
              code: ./
              environmentVariables:
                MODEL: ${env('MODEL', 'naive-bayes')}
                ITEM: ${vars.nested.list.1}
                HOME_DIR: ${env.HOME}
              customContainerConfig:
                image: registry.example.com/fuzz:latest
                entrypoint: ["python3"]
                command: ["app.py"]
                port: 9000
                accelerationType: Default
              instanceLifecycleConfig:
                initializer: {handler: init, timeout: 30}
                preStop: {handler: stop, timeout: 5}
              provisionConfig:
                defaultTarget: 1
                alwaysAllocateCPU: false
                scheduledActions:
                  - name: morning
                    target: 2
                    scheduleExpression: cron(0 0 8 * * *)
                    timeZone: Asia/Shanghai
              triggers:
                - triggerName: http
                  triggerType: http
                  qualifier: LATEST
                  triggerConfig:
                    authType: anonymous
                    methods: ${vars.methods}
                    disableURLInternet: false
          embedder:
            component: fc3@dev
            props:
              functionName: fuzz-embedder
              code: {src: ./embedder, ossBucketName: b}
              customRuntimeConfig:
                command: [dotnet]
                args: [Embedder.dll]
                port: 8080
              gpuConfig: {gpuMemorySize: 16384, gpuType: fc.gpu.tesla.1}
              gpuMemorySize: 16384
              maxInstances: 2
              maxQueueLength: 32
              idleTimeout: 300
              schedulingPolicy: least-outstanding
              logConfig: {project: p, logstore: s}
              role: acs:ram::123:role/fc
          bucket:
            component: oss
            props: {bucket: b}
        """;

    /// <summary>The fewest keys a runnable function needs.</summary>
    public const string Minimal = """
        edition: 3.0.0
        resources:
          fn:
            component: fc3
            props:
              functionName: fn
              code: .
              customContainerConfig:
                command: [python3, app.py]
        """;

    private static readonly int[] Sizes = [1, 2, 3, 5, 8, 12, 20, 40, 64, 65, 100, 500, 1000, 3000, 10_000, 100_000];

    private static readonly Gen<YamlEdit> Edit =
        from kind in Gen.Frequency(
            (2, Gen.Constant(YamlEditKind.DeleteLine)),
            (1, Gen.Constant(YamlEditKind.DuplicateLine)),
            (1, Gen.Constant(YamlEditKind.SwapLines)),
            (2, Gen.Constant(YamlEditKind.Indent)),
            (8, Gen.Constant(YamlEditKind.ReplaceValue)),
            (2, Gen.Constant(YamlEditKind.InsertCharacter)),
            (1, Gen.Constant(YamlEditKind.Truncate)),
            (2, Gen.Constant(YamlEditKind.Block)))
        from line in Gen.Choose(0, 10_000)
        from variant in Gen.Choose(0, 10_000)
        from size in Gen.Elements(Sizes)
        select new YamlEdit(kind, line, variant,
            kind == YamlEditKind.Block ? Math.Min(size, YamlCase.BlockMaxSizes[variant % YamlCase.Blocks.Length]) : size);

    public static Arbitrary<YamlCase> Cases { get; } = Arb.From(
        from rich in Gen.Frequency((4, Gen.Constant(true)), (1, Gen.Constant(false)))
        from count in Gen.Frequency((1, Gen.Constant(0)), (7, Gen.Choose(1, 2)), (2, Gen.Choose(3, 4)))
        from edits in Edit.ArrayOf(count)
        from runnable in Gen.Frequency((3, Gen.Constant(true)), (1, Gen.Constant(false)))
        select new YamlCase(rich ? "rich s.yaml" : "minimal s.yaml", rich ? Rich : Minimal, edits, runnable),
        c => c.Shrink());
}
