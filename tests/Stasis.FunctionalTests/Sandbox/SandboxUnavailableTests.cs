using Microsoft.Extensions.Logging.Abstractions;
using Stasis.FunctionalTests.Runtime;
using Stasis.Server.Runtime;
using Stasis.Server.Runtime.Process;

namespace Stasis.FunctionalTests.Sandbox;

/// <summary>Where a piece of the sandbox is missing, no instance starts, and the error says what is missing and what to do.</summary>
public sealed class SandboxUnavailableTests : IDisposable
{
    private readonly TestFunctions _functions = new();

    [Fact]
    public async Task Without_its_seccomp_profile_an_instance_is_refused_with_the_reason_and_the_way_out()
    {
        var runtime = new ProcessRuntime(NullLogger<ProcessRuntime>.Instance, TimeProvider.System,
            new ProcessRuntimeOptions { Scope = "sandbox-missing", SeccompProfilePath = "/nonexistent/seccomp.json" });

        var e = await Assert.ThrowsAsync<InstanceStartException>(() => runtime.StartAsync(_functions.Launch(), CancellationToken.None));

        Assert.Contains("the seccomp profile /nonexistent/seccomp.json cannot be read", e.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install -y golang-github-containers-common", e.Message, StringComparison.Ordinal);
        Assert.Contains("--unsafe-no-sandbox", e.Message, StringComparison.Ordinal);
        Assert.StartsWith("unavailable (", runtime.Describe()["sandbox"], StringComparison.Ordinal);
        runtime.Dispose();
    }

    [Fact]
    public async Task A_code_directory_the_functions_uid_cannot_read_is_refused_with_the_chmod_that_fixes_it()
    {
        var runtime = new ProcessRuntime(NullLogger<ProcessRuntime>.Instance, TimeProvider.System, new ProcessRuntimeOptions { Scope = "sandbox-private-code" });
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_functions.Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var e = await Assert.ThrowsAsync<InstanceStartException>(() => runtime.StartAsync(_functions.Launch(), CancellationToken.None));

        Assert.Contains($"chmod -R o+rX '{_functions.Directory}'", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Directory.GetFiles("/run/netns"), n => n.Contains("sandbox-private-code", StringComparison.Ordinal));
        runtime.Dispose();
    }

    public void Dispose() => _functions.Dispose();
}
