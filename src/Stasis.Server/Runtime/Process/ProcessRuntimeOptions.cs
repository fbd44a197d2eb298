using System.Security.Cryptography;
using System.Text;
using Stasis.Server.Runtime.Cgroups;

namespace Stasis.Server.Runtime.Process;

/// <summary>Settings of a <see cref="ProcessRuntime"/>.</summary>
public sealed record ProcessRuntimeOptions
{
    /// <summary>
    /// Names the cgroup level (<c>stasis/&lt;scope&gt;/&lt;instance&gt;</c>) that holds this runtime's instances.
    /// A server finds the instances a killed predecessor left behind by looking in its own scope, so
    /// two servers on one host must have different scopes, and a restarted one the same:
    /// <see cref="ForDataDirectory"/> derives it from the data directory. Letters, digits, '-', '_' and '.'.
    /// </summary>
    public string Scope { get; init; } = CgroupHost.DefaultScope;

    /// <summary>
    /// Whether every instance runs in an OCI sandbox (runc: user, pid, mount, ipc, uts and network
    /// namespaces, capabilities only over its own, seccomp). False only with <c>--unsafe-no-sandbox</c>: instances are
    /// then plain processes of the server's user, with only a network namespace of their own.
    /// </summary>
    public bool Sandbox { get; init; } = true;

    /// <summary>The most processes and threads one sandboxed instance may have (<c>pids.max</c>).</summary>
    public int PidsLimit { get; init; } = DefaultPidsLimit;

    public const int DefaultPidsLimit = 512;

    /// <summary>The host-wide file of functions' uid ranges; null for <see cref="Sandbox.UidRanges.DefaultPath"/>.</summary>
    public string? UidRangesPath { get; init; }

    /// <summary>A seccomp profile in containers/common's format; null for <see cref="Sandbox.SeccompProfile.DefaultPath"/>.</summary>
    public string? SeccompProfilePath { get; init; }

    /// <summary>Options whose scope is a short hash of the full path of <paramref name="dataDirectory"/>.</summary>
    public static ProcessRuntimeOptions ForDataDirectory(string dataDirectory) => new() { Scope = ScopeOf(dataDirectory) };

    /// <summary>For example <c>d-5f2c0a91b3e4</c>: 48 bits of SHA-256 of the full path, plenty for the servers of one host.</summary>
    public static string ScopeOf(string dataDirectory)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dataDirectory));
        return "d-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(full)).AsSpan(0, 6));
    }

    internal void Validate()
    {
        if (PidsLimit is < 16 or > 4_194_304)
        {
            throw new ArgumentException($"The pids limit {PidsLimit} must be from 16 to 4194304.", nameof(PidsLimit));
        }

        if (Scope.Length is 0 or > 64 || CgroupHost.SafeName(Scope) != Scope)
        {
            throw new ArgumentException($"Scope '{Scope}' must be 1-64 letters, digits, '-', '_' or '.', not starting with '.'.", nameof(Scope));
        }
    }
}
