using Stasis.Client.Model;
using Stasis.Client.Specs;

namespace Stasis.Tests.Specs;

public sealed class FunctionSpecValidatorTests
{
    private static readonly FunctionSpec Valid = new()
    {
        FunctionName = "fn",
        Code = Path.GetFullPath("/srv/app"),
        CustomContainerConfig = new CustomContainerConfig { Command = ["python3", "app.py"], Port = 9000 },
        Triggers = [new TriggerSpec { TriggerName = "httpTrigger", TriggerConfig = new TriggerConfig { AuthType = "anonymous", Methods = ["GET", "POST"] } }],
    };

    private static SpecError Single(FunctionSpec spec) => Assert.Single(FunctionSpecValidator.Validate(spec));

    private static FunctionSpec WithContainer(CustomContainerConfig container) => Valid with { CustomContainerConfig = container };

    private static FunctionSpec WithTrigger(TriggerSpec trigger) => Valid with { Triggers = [trigger] };

    [Fact]
    public void Validate_ValidSpec_NoErrors()
    {
        Assert.Empty(FunctionSpecValidator.Validate(Valid));
    }

    [Fact]
    public void Validate_MissingFunctionName_Required()
    {
        Assert.Equal(new SpecError("functionName", "functionName is required"), Single(Valid with { FunctionName = "" }));
    }

    [Theory]
    [InlineData("1fn")]
    [InlineData("-fn")]
    [InlineData("fn.v2")]
    [InlineData("fn name")]
    [InlineData("fn\n")]
    [InlineData("..")]
    [InlineData("../etc")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("%2e%2e")]
    [InlineData("\u0435cho")] // Cyrillic е, looks like echo
    [InlineData("ｅcho")] // fullwidth e
    [InlineData("\u212Aelvin")] // Kelvin sign, folds to K under case-insensitive matching
    public void Validate_FunctionNameBadCharacters_Error(string name)
    {
        var error = Single(Valid with { FunctionName = name });

        Assert.Equal("functionName", error.Field);
        Assert.Equal($"'{name}' may contain only ASCII letters, digits, '_' and '-', and must start with a letter or '_'", error.Message);
        Assert.False(FunctionSpecValidator.IsValidFunctionName(name));
    }

    [Fact]
    public void Validate_FunctionNameWithNul_Error()
    {
        Assert.Equal("functionName", Single(Valid with { FunctionName = "a\0b" }).Field);
        Assert.False(FunctionSpecValidator.IsValidFunctionName("a\0b"));
    }

    [Fact]
    public void Validate_FunctionNameOf64Characters_IsTheLongestAllowed()
    {
        Assert.True(FunctionSpecValidator.IsValidFunctionName("f" + new string('a', 63)));
        Assert.Equal(new SpecError("functionName", "must be at most 64 characters, got 65"), Single(Valid with { FunctionName = "f" + new string('a', 64) }));
    }

    [Fact]
    public void Validate_EnvironmentVariableNameWithATrailingNewline_Error()
    {
        var error = Single(Valid with { EnvironmentVariables = new() { ["GREETING\n"] = "hi" } });

        Assert.Equal("environmentVariables.GREETING\n", error.Field);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(2_000_000.0)]
    public void Validate_MaxRequestsPerSecondOutOfRange_Error(double perSecond)
    {
        var error = Single(Valid with { MaxRequestsPerSecond = perSecond });

        Assert.Equal("maxRequestsPerSecond", error.Field);
        Assert.StartsWith("must be between 0.001 and 1000000 requests per second", error.Message);
    }

    [Fact]
    public void Validate_BurstWithoutARate_SaysToSetTheRate()
    {
        var error = Single(Valid with { Burst = 10 });

        Assert.Equal(new SpecError("burst", "burst sizes the maxRequestsPerSecond limit; set maxRequestsPerSecond too, or remove burst"), error);
    }

    [Fact]
    public void Validate_RateAndBurst_AreAccepted_AndBurstDefaultsToOneSecondsWorth()
    {
        Assert.Empty(FunctionSpecValidator.Validate(Valid with { MaxRequestsPerSecond = 0.5, Burst = 3 }));
        Assert.Equal(1, (Valid with { MaxRequestsPerSecond = 0.5 }).EffectiveBurst);
        Assert.Equal(3, (Valid with { MaxRequestsPerSecond = 2.5 }).EffectiveBurst);
        Assert.Equal(7, (Valid with { MaxRequestsPerSecond = 2.5, Burst = 7 }).EffectiveBurst);
        Assert.Equal("burst", Single(Valid with { MaxRequestsPerSecond = 1, Burst = 0 }).Field);
    }

    [Fact]
    public void Validate_UnknownSchedulingPolicy_NamesTheOnesThatExist()
    {
        var error = Single(Valid with { SchedulingPolicy = "fastest" });

        Assert.Equal(new SpecError("schedulingPolicy",
            "'fastest' is not a scheduling policy: use join-idle-queue, least-outstanding, power-of-two-choices, random, round-robin"), error);
    }

    [Theory]
    [InlineData("join-idle-queue")]
    [InlineData("round-robin")]
    [InlineData("random")]
    [InlineData("power-of-two-choices")]
    [InlineData("least-outstanding")]
    public void Validate_KnownSchedulingPolicy_NoErrors(string policy)
    {
        Assert.Empty(FunctionSpecValidator.Validate(Valid with { SchedulingPolicy = policy }));
    }

    [Fact]
    public void Validate_FunctionNameOf65Chars_TooLong()
    {
        Assert.Equal("must be at most 64 characters, got 65", Single(Valid with { FunctionName = new string('a', 65) }).Message);
        Assert.Empty(FunctionSpecValidator.Validate(Valid with { FunctionName = "_" + new string('a', 63) }));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65536)]
    [InlineData(-80)]
    public void Validate_PortOutsideRange_Error(int port)
    {
        var error = Single(WithContainer(Valid.CustomContainerConfig! with { Port = port }));

        Assert.Equal(new SpecError("customContainerConfig.port", $"must be between 1 and 65535 (a TCP port), got {port}"), error);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(201)]
    public void Validate_InstanceConcurrencyOutsideRange_Error(int concurrency)
    {
        Assert.Equal(
            new SpecError("instanceConcurrency", $"must be between 1 and 200 requests, got {concurrency}"),
            Single(Valid with { InstanceConcurrency = concurrency }));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(200)]
    public void Validate_InstanceConcurrencyAtBounds_Valid(int concurrency)
    {
        Assert.Empty(FunctionSpecValidator.Validate(Valid with { InstanceConcurrency = concurrency }));
    }

    [Fact]
    public void Validate_NegativeMemorySize_Error()
    {
        Assert.Equal(new SpecError("memorySize", "must be between 64 and 131072 MB, got -512"), Single(Valid with { MemorySize = -512 }));
    }

    [Fact]
    public void Validate_NegativeDiskSize_Error()
    {
        Assert.Equal(new SpecError("diskSize", "must be 0 or more MB, got -1"), Single(Valid with { DiskSize = -1 }));
    }

    [Fact]
    public void Validate_NegativeGpuMemory_ErrorForBothPlaces()
    {
        var errors = FunctionSpecValidator.Validate(Valid with { GpuMemorySize = -1, GpuConfig = new GpuConfig { GpuMemorySize = -2 } });

        Assert.Equal(new[] { "gpuMemorySize", "gpuConfig.gpuMemorySize" }, errors.Select(e => e.Field));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(86401)]
    public void Validate_TimeoutOutsideRange_Error(int timeout)
    {
        Assert.Equal("timeout", Single(Valid with { Timeout = timeout }).Field);
    }

    [Theory]
    [InlineData(0.01)]
    [InlineData(16.5)]
    public void Validate_CpuOutsideRange_Error(double cpu)
    {
        Assert.Equal($"must be between 0.05 and 16 vCPUs, got {cpu.ToString(System.Globalization.CultureInfo.InvariantCulture)}", Single(Valid with { Cpu = cpu }).Message);
    }

    [Fact]
    public void Validate_ExtensionsOutsideRange_Error()
    {
        var errors = FunctionSpecValidator.Validate(Valid with { MaxInstances = 1001, IdleTimeout = 0 });

        Assert.Equal(new[] { "maxInstances", "idleTimeout" }, errors.Select(e => e.Field));
    }

    [Fact]
    public void Validate_HookTimeoutZero_Error()
    {
        var spec = Valid with { InstanceLifecycleConfig = new() { Initializer = new() { Timeout = 0 }, PreStop = new() { Timeout = 3601 } } };

        Assert.Equal(
            new[] { "instanceLifecycleConfig.initializer.timeout", "instanceLifecycleConfig.preStop.timeout" },
            FunctionSpecValidator.Validate(spec).Select(e => e.Field));
    }

    [Fact]
    public void Validate_BuiltInRuntime_OneErrorSaysWhatStasisRunsAndHowToWrapTheHandler()
    {
        // One error, about the runtime: not a second one about a customContainerConfig the spec never had.
        var error = Single(Valid with { Runtime = "python3.10", CustomContainerConfig = null });
        Assert.Equal("runtime", error.Field);
        Assert.StartsWith("runtime python3.10 is one of FC's built-in language runtimes, which Stasis does not run", error.Message, StringComparison.Ordinal);
        Assert.Contains("runtime: custom.debian10 with customRuntimeConfig.command", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("custom-container")]
    [InlineData("custom.debian10")]
    [InlineData("custom")]
    public void Validate_CustomRuntimes_Valid(string runtime)
    {
        Assert.Empty(FunctionSpecValidator.Validate(Valid with { Runtime = runtime }));
    }

    [Fact]
    public void Validate_ImageWithoutStartCommandOrCode_IsValid_AsOnFc()
    {
        Assert.Empty(FunctionSpecValidator.Validate(Valid with { Code = null, CustomContainerConfig = new CustomContainerConfig { Image = "registry/ns/app:v1" } }));
    }

    [Fact]
    public void Validate_ImageWithACommandOverride_NeedsNoCode()
    {
        Assert.Empty(FunctionSpecValidator.Validate(Valid with { Code = null, CustomContainerConfig = new CustomContainerConfig { Image = "registry/ns/app:v1", Command = ["serve", "--fast"] } }));
    }

    [Fact]
    public void Validate_NoContainerConfig_ErrorAsksForEntrypointOrCommand()
    {
        Assert.Equal(
            new SpecError("customContainerConfig", "customContainerConfig.image, entrypoint or command is required"),
            Single(Valid with { CustomContainerConfig = null }));
    }

    [Fact]
    public void Validate_CustomRuntimeWithCodeAndNoCommand_IsValid_FcStartsItsBootstrap()
    {
        Assert.Empty(FunctionSpecValidator.Validate(Valid with { Runtime = "custom.debian10", CustomContainerConfig = null }));
        Assert.Empty(FunctionSpecValidator.Validate(Valid with { Runtime = "custom", CustomContainerConfig = null, Code = "/srv/code.zip" }));
    }

    [Fact]
    public void Validate_CustomRuntimeWithNeitherCodeNorCommand_OneErrorNamingBoth()
    {
        var error = Single(Valid with { Runtime = "custom.debian11", Code = null, CustomContainerConfig = null });

        Assert.Equal("code", error.Field);
        Assert.Contains("give code (a directory or .zip with an executable bootstrap file, FC's default start) or customRuntimeConfig.command", error.Message);
    }

    [Fact]
    public void Validate_EntrypointWithoutCode_CodeRequired()
    {
        var error = Single(Valid with { Code = null, CustomContainerConfig = new() { Entrypoint = ["./serve"] } });

        Assert.Equal(new SpecError("code", "code is required: the directory entrypoint/command run in"), error);
    }

    [Fact]
    public void Validate_RelativeCode_ErrorAsksForAbsolutePath()
    {
        Assert.Equal("must be an absolute directory path, got 'app'", Single(Valid with { Code = "app" }).Message);
    }

    [Theory]
    [InlineData("jwt", "authType 'jwt' is not supported by Stasis; use anonymous or function (function requires an access key, see docs/security.md)")]
    [InlineData("signature", "authType 'signature' is not an auth type Stasis knows; use anonymous or function (function requires an access key, see docs/security.md)")]
    public void Validate_AuthTypeOtherThanAnonymousOrFunction_IsRefusedListingTheSupportedOnes(string authType, string message)
    {
        var error = Single(WithTrigger(new() { TriggerName = "t", TriggerConfig = new() { AuthType = authType } }));

        Assert.Equal(new SpecError("triggers[0].triggerConfig.authType", message), error);
    }

    [Theory]
    [InlineData("function")]
    [InlineData("Function")]
    [InlineData("anonymous")]
    public void Validate_AuthTypeFunctionOrAnonymous_IsAccepted(string authType)
    {
        Assert.Empty(FunctionSpecValidator.Validate(WithTrigger(new() { TriggerName = "t", TriggerConfig = new() { AuthType = authType } })));
    }

    [Fact]
    public void Validate_AuthTypeMissing_DefaultsToAnonymous()
    {
        Assert.Empty(FunctionSpecValidator.Validate(WithTrigger(new() { TriggerName = "t" })));
    }

    [Fact]
    public void Validate_UnknownMethod_Error()
    {
        var error = Single(WithTrigger(new() { TriggerName = "t", TriggerConfig = new() { Methods = ["get", "CONNECT"] } }));

        Assert.Equal("triggers[0].triggerConfig.methods", error.Field);
        Assert.Equal("'CONNECT' is not an HTTP method; use GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS", error.Message);
    }

    [Fact]
    public void Validate_TimerTrigger_NotSupportedYet()
    {
        var error = Single(WithTrigger(new() { TriggerName = "t", TriggerType = "timer" }));

        Assert.Equal(new SpecError("triggers[0].triggerType", "triggerType 'timer' is not supported yet; use http"), error);
    }

    [Fact]
    public void Validate_DuplicateTriggerName_Error()
    {
        var spec = Valid with { Triggers = [new() { TriggerName = "t" }, new() { TriggerName = "t" }] };

        Assert.Equal(new SpecError("triggers[1].triggerName", "duplicate triggerName 't'; each trigger needs its own name"), Single(spec));
    }

    [Fact]
    public void Validate_MissingTriggerName_Required()
    {
        Assert.Equal(new SpecError("triggers[0].triggerName", "triggerName is required"), Single(WithTrigger(new())));
    }

    [Theory]
    [InlineData("MY-VAR")]
    [InlineData("1ABC")]
    [InlineData("A B")]
    public void Validate_BadEnvironmentName_Error(string name)
    {
        var error = Single(Valid with { EnvironmentVariables = new() { [name] = "x", ["GOOD_1"] = "y" } });

        Assert.Equal($"environmentVariables.{name}", error.Field);
    }
}
