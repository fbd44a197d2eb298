namespace Stasis.Client.Specs;

/// <summary>
/// The props of an fc3 function, as FC's API and the fc3 component know them, whether Stasis uses them or keeps them:
/// an unknown prop one or two letters away from one of them is a typo, and is named with the prop it was meant to be.
/// </summary>
internal static class FcProps
{
    /// <summary>The props Stasis reads (<see cref="FunctionPropsMapper"/>).</summary>
    public static readonly IReadOnlySet<string> Read = new HashSet<string>(StringComparer.Ordinal)
    {
        "functionName", "description", "region", "runtime", "handler", "timeout", "memorySize", "cpu", "gpuMemorySize",
        "diskSize", "instanceConcurrency", "internetAccess", "logConfig", "provisionConfig", "environmentVariables", "code",
        "customContainerConfig", "customRuntimeConfig", "gpuConfig", "instanceLifecycleConfig", "triggers",
        "maxInstances", "maxQueueLength", "schedulingPolicy", "idleTimeout", "maxRequestsPerSecond", "burst",
        "sessionAffinity", "sessionAffinityConfig",
    };

    /// <summary>Every fc3 prop: those Stasis reads, and FC's that it keeps without using.</summary>
    public static readonly IReadOnlySet<string> All = new HashSet<string>(Read.Concat(
    [
        "role", "vpcConfig", "nasConfig", "ossMountConfig", "layers", "customDNS", "tracingConfig", "asyncInvokeConfig",
        "concurrencyConfig", "scalingConfig", "instanceType", "disableOndemand",
        "artifact", "tags", "vpcBinding", "invocationRestriction", "customDomain", "initializer", "initializationTimeout",
        "caPort", "cpuSpec", "enableLongLiving", "disableInjectCredentials", "resourceGroupId", "endpoint", "supplement",
    ]), StringComparer.Ordinal);

    /// <summary>The prop <paramref name="key"/> was likely meant to be; null when it is one, or is near none.</summary>
    public static string? Suggest(string key)
    {
        if (All.Contains(key) || key.Length < 5)
        {
            return null;
        }

        var lower = key.ToLowerInvariant();
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var prop in All)
        {
            var d = Distance(lower, prop.ToLowerInvariant());
            if (d < bestDistance)
            {
                (best, bestDistance) = (prop, d);
            }
        }

        return bestDistance <= (key.Length >= 10 ? 2 : 1) ? best : null; // 0: the case differs
    }

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours.</summary>
    internal static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
