using System.Globalization;
using Stasis.Client.Model;
using Stasis.Server.Functions;
using Stasis.Server.Hosting;
using Stasis.Server.Images;
using Stasis.Server.Runtime;

namespace Stasis.Server.Instances;

/// <summary>Turns a function spec into what a runtime needs to start one instance of it.</summary>
internal sealed class InstanceLaunchFactory(StasisServerOptions options, ImageStore? images = null)
{
    public InstanceLaunch Create(FunctionRecord record, string instanceId, string logPath, Action<string>? onOutputLine)
    {
        var spec = record.Spec;
        var container = spec.CustomContainerConfig;
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        var argv = new List<string>();
        ImageLaunch? image = null;
        if (ImageRun.Find(spec, images) is { } stored)
        {
            image = ImageRun.Launch(spec, stored, images!, argv, env);
        }
        else
        {
            argv.AddRange(container?.Entrypoint ?? []);
            argv.AddRange(container?.Command ?? []);
            if (spec.Code is { Length: > 0 } code)
            {
                // On FC the code is at /code, and commands say so (customRuntimeConfig.command: [/code/main]): here that is
                // the code directory (which the sandbox mounts at /code again).
                for (var i = 0; i < argv.Count; i++)
                {
                    if (argv[i] == CodeMount || argv[i].StartsWith(CodeMount + "/", StringComparison.Ordinal))
                    {
                        argv[i] = Path.TrimEndingDirectorySeparator(code) + argv[i][CodeMount.Length..];
                    }
                }
            }

            if (argv.Count == 0 && FunctionRuntimes.StartsBootstrap(spec))
            {
                argv.Add(FunctionCode.BootstrapPath(spec.Code!));
            }

            if (argv.Count == 0)
            {
                throw new InstanceStartException(container?.Image is { Length: > 0 } reference
                    ? ImageStore.NotFound(reference).Message
                    : $"function '{spec.FunctionName}' has no customContainerConfig.entrypoint or command to start.");
            }
        }

        var port = container?.Port ?? FunctionDefaults.DefaultPort;
        foreach (var (key, value) in spec.EnvironmentVariables)
        {
            env[key] = value;
        }

        // FC's runtime variables, as a custom container sees them on Function Compute.
        var p = port.ToString(CultureInfo.InvariantCulture);
        env["FC_SERVER_PORT"] = p;
        env["FC_CUSTOM_LISTEN_PORT"] = p;
        env["PORT"] = p;
        env["FC_FUNCTION_NAME"] = spec.FunctionName;
        env["FC_FUNCTION_MEMORY_SIZE"] = spec.MemorySize.ToString(CultureInfo.InvariantCulture);
        env["FC_FUNCTION_HANDLER"] = spec.Handler ?? "not-used";
        env["FC_INSTANCE_ID"] = instanceId;
        env["FC_QUALIFIER"] = "LATEST";
        env["FC_REGION"] = spec.Region ?? options.Region;
        env["FC_TIMEOUT"] = spec.Timeout.ToString(CultureInfo.InvariantCulture);
        if (spec.InstanceLifecycleConfig?.Initializer?.Handler is { Length: > 0 } initializer)
        {
            env["FC_FUNCTION_INITIALIZER"] = initializer;
        }

        return new InstanceLaunch
        {
            InstanceId = instanceId,
            FunctionName = spec.FunctionName,
            WorkingDirectory = spec.Code ?? Directory.GetCurrentDirectory(),
            Argv = argv,
            Environment = env,
            Port = port,
            StartTimeout = StartTimeout(spec),
            LogPath = logPath,
            CpuLimit = spec.Cpu,
            GpuMemoryMb = spec.GpuConfig?.GpuMemorySize ?? spec.GpuMemorySize,
            MemoryLimitBytes = spec.MemorySize > 0 ? spec.MemorySize * 1024L * 1024L : null,
            InternetAccess = spec.InternetAccess ?? true,
            DiskSizeMb = spec.DiskSize is > 0 and var disk ? disk : FunctionDefaults.DiskSizeMb,
            OnOutputLine = onOutputLine,
            Image = image,
        };
    }

    /// <summary>Where FC puts a function's code in its instance.</summary>
    public const string CodeMount = "/code";

    /// <summary>The port must open within the initializer's timeout (FC bounds start-up the same way).</summary>
    public static TimeSpan StartTimeout(FunctionSpec spec) =>
        TimeSpan.FromSeconds(spec.InstanceLifecycleConfig?.Initializer?.Timeout ?? FunctionDefaults.InitializerTimeoutSeconds);

    public static bool HasInitializer(FunctionSpec spec) =>
        !string.IsNullOrEmpty(spec.InstanceLifecycleConfig?.Initializer?.Handler);

    public static bool HasPreStop(FunctionSpec spec) =>
        !string.IsNullOrEmpty(spec.InstanceLifecycleConfig?.PreStop?.Handler);
}
