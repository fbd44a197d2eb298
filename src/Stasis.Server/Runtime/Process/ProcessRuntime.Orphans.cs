using Stasis.Server.Runtime.Cgroups;

namespace Stasis.Server.Runtime.Process;

public sealed partial class ProcessRuntime : IDisposable
{
    /// <summary>
    /// Stops what a killed server of the same scope left: every group under <c>stasis/&lt;scope&gt;/</c>
    /// in each hierarchy, except those of instances this runtime started. Returns their instance ids
    /// (as group names: <see cref="CgroupHost.SafeName"/> of the id). Without cgroups there is no trace
    /// of a predecessor's instances, and the list is empty.
    /// </summary>
    public async Task<IReadOnlyList<string>> StopOrphansAsync(CancellationToken cancellationToken)
    {
        var cgroups = Cgroups;
        var sandboxed = new List<string>();
        if (SandboxHost is { Problem: null } sandbox)
        {
            // Containers, bundles and namespaces; their processes are killed below, by their groups.
            sandboxed.AddRange(await Sandbox.InstanceSandbox.RemoveLeftoversAsync(sandbox, cgroups.Scope, name => _live.ContainsKey(name)).ConfigureAwait(false));
        }

        if (cgroups.ScopeDirectories.Count == 0)
        {
            ProcessRuntimeLog.NoOrphanSearch(_logger);
            return sandboxed;
        }

        var stopped = new List<string>();
        foreach (var name in OrphanGroups.List(cgroups))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_live.ContainsKey(name))
            {
                continue;
            }

            var left = await OrphanGroups.StopAsync(cgroups, name, _time).ConfigureAwait(false);
            if (left.Count == 0)
            {
                ProcessRuntimeLog.OrphanStopped(_logger, name, cgroups.Scope);
            }
            else
            {
                ProcessRuntimeLog.Leftovers(_logger, name, string.Join(' ', left));
            }

            stopped.Add(name);
        }

        return stopped.Union(sandboxed, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Removes this runtime's scope groups once its instances are gone (the server stops them before
    /// it disposes the runtime), so that every data directory ever served does not leave its own empty
    /// groups behind. Groups that still hold instances refuse removal and stay for the next server.
    /// </summary>
    public void Dispose()
    {
        if (!_host.IsValueCreated || !_live.IsEmpty)
        {
            return;
        }

        if (_host.Value.Sandbox is { } sandbox)
        {
            foreach (var dir in new[] { sandbox.BundlesDirectory, sandbox.StateDirectory, sandbox.RunDirectory })
            {
                try
                {
                    Directory.Delete(dir, recursive: false);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Not empty (an instance left for the next server), or never made.
                }
            }
        }

        foreach (var scope in Cgroups.ScopeDirectories)
        {
            try
            {
                Directory.Delete(scope, recursive: false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Not empty: an instance that could not be stopped, which orphan recovery will find.
            }
        }
    }
}
