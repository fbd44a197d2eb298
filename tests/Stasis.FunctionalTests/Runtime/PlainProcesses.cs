using Stasis.Server.Runtime.Process;

namespace Stasis.FunctionalTests.Runtime;

/// <summary>
/// The runtime without its sandbox (the server's <c>--unsafe-no-sandbox</c>). The tests of this folder
/// check the machinery the sandbox runs on (freezers, stop, cgroups, limits, orphans) on processes whose
/// pids and files they can see directly; <c>Sandbox/</c> checks it through the sandbox.
/// </summary>
internal static class PlainProcesses
{
    public static ProcessRuntimeOptions Options { get; } = new() { Sandbox = false };
}
