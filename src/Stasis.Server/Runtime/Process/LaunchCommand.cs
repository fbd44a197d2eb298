using System.Diagnostics;
using Stasis.Server.Runtime.Cgroups;

namespace Stasis.Server.Runtime.Process;

/// <summary>
/// The command line that starts an instance: <c>setsid unshare --net -- sh -c PRELUDE ... -- argv</c>.
/// None of setsid, unshare (without --fork) or sh's exec forks, so the pid .NET spawned stays the
/// function's main process all the way; setsid makes it a process-group leader (a child spawned by .NET
/// is not one, so setsid does not fork either).
/// </summary>
internal static class LaunchCommand
{
    // Joins the instance's cgroups and brings up loopback in the fresh namespace, then becomes the
    // function's program. Joining here, before exec, means nothing the program starts can escape.
    // Arguments: IP-or-"-" GROUP... -- ARGV...
    private const string Prelude = """
        net=$1; shift
        for group do
          shift
          [ "$group" = -- ] && break
          echo $$ > "$group/cgroup.procs" || echo "stasis: could not join cgroup $group" >&2
        done
        if [ "$net" != - ]; then
          "$net" link set lo up || { echo "stasis: could not bring up loopback in the instance's network namespace" >&2; exit 126; }
        fi
        exec "$@"
        """;

    /// <summary>
    /// The environment is exactly the launch's, plus PATH and HOME from the server when the launch sets
    /// neither: without PATH no command resolves, and many language runtimes misbehave without HOME.
    /// <paramref name="portOverride"/> replaces FC_SERVER_PORT and PORT where instances share the host's network.
    /// </summary>
    public static Dictionary<string, string> Environment(InstanceLaunch launch, int? portOverride)
    {
        var environment = new Dictionary<string, string>(launch.Environment, StringComparer.Ordinal);
        foreach (var inherited in new[] { "PATH", "HOME" })
        {
            if (!environment.ContainsKey(inherited) && System.Environment.GetEnvironmentVariable(inherited) is { } value)
            {
                environment[inherited] = value;
            }
        }

        if (portOverride is { } port)
        {
            environment["FC_SERVER_PORT"] = environment["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return environment;
    }

    public static ProcessStartInfo Build(InstanceLaunch launch, IReadOnlyDictionary<string, string> environment,
        NetworkIsolation isolation, InstanceCgroups groups, string? setsid)
    {
        var argv = new List<string>();
        if (setsid is not null)
        {
            argv.Add(setsid);
        }

        if (isolation.Enabled)
        {
            argv.AddRange([isolation.UnsharePath!, "--net", "--"]);
        }

        argv.AddRange([File.Exists("/bin/sh") ? "/bin/sh" : HostTools.Find("sh") ?? "sh", "-c", Prelude, "stasis-init"]);
        argv.Add(isolation.Enabled ? isolation.IpPath! : "-");
        argv.AddRange(groups.All);
        argv.Add("--");
        argv.AddRange(launch.Argv);

        var start = new ProcessStartInfo(argv[0])
        {
            WorkingDirectory = launch.WorkingDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in argv.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Clear();
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return start;
    }
}
