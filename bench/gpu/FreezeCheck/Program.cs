using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stasis.Server.Runtime;
using Stasis.Server.Runtime.Process;

// The GPU check (bench/gpu/check.sh): a real CUDA process started, frozen and thawed through Stasis' own
// process runtime, the same code the server runs (cgroup freezer + cuda-checkpoint), with nvidia-smi read
// before, while frozen and after, and the GPU memory's contents checked once thawed.
//   stasis-gpu-check HOLDER.py MB [ROUNDS]
if (args.Length < 2 || !int.TryParse(args[1], CultureInfo.InvariantCulture, out var mb) || mb < 1)
{
    Console.Error.WriteLine("usage: stasis-gpu-check HOLDER.py MB [ROUNDS]");
    return 2;
}

var rounds = args.Length > 2 && int.TryParse(args[2], CultureInfo.InvariantCulture, out var r) ? Math.Clamp(r, 1, 20) : 3;
var holder = Path.GetFullPath(args[0]);
var runtime = new ProcessRuntime(NullLogger<ProcessRuntime>.Instance, TimeProvider.System, new ProcessRuntimeOptions { Sandbox = false, Scope = "gpu-check" });
foreach (var (key, value) in runtime.Describe())
{
    Console.WriteLine($"# {key}: {value}");
}

var id = "gpu-check-" + Guid.NewGuid().ToString("N")[..8];
var log = Path.Combine(Path.GetTempPath(), id + ".log");
var launch = new InstanceLaunch
{
    InstanceId = id,
    FunctionName = "gpu-check",
    WorkingDirectory = Path.GetDirectoryName(holder)!,
    Argv = [Environment.GetEnvironmentVariable("PYTHON") ?? "python3", holder],
    Environment = new Dictionary<string, string> { ["FC_SERVER_PORT"] = "9000", ["HOLD_MB"] = mb.ToString(CultureInfo.InvariantCulture) },
    Port = 9000,
    StartTimeout = TimeSpan.FromMinutes(3),
    LogPath = log,
    GpuMemoryMb = mb + 1024,
};

var result = new JsonObject { ["bytes"] = (long)mb << 20, ["rounds"] = rounds };
var instance = await runtime.StartAsync(launch, CancellationToken.None);
try
{
    var pid = instance.ProcessId ?? throw new InvalidOperationException("the instance has no pid");
    using var http = new HttpClient(new HttpMessageInvokerHandler(instance.Invoker)) { BaseAddress = instance.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
    var before = await JsonDocument.ParseAsync(await http.GetStreamAsync("checksum"));
    result["checksum"] = before.RootElement.GetProperty("checksum").GetString();
    result["smi_before_mib"] = Smi.ProcessMemory(pid);
    var freezes = new List<double>();
    var thaws = new List<double>();
    var during = new List<long?>();
    var intact = true;
    for (var i = 0; i < rounds; i++)
    {
        var watch = Stopwatch.StartNew();
        await instance.FreezeAsync(CancellationToken.None);
        freezes.Add(watch.Elapsed.TotalMilliseconds);
        during.Add(Smi.ProcessMemory(pid));
        result["cpu_ticks_frozen_delta"] = Proc.TicksOver(pid, TimeSpan.FromMilliseconds(500));
        watch.Restart();
        await instance.ThawAsync(CancellationToken.None);
        thaws.Add(watch.Elapsed.TotalMilliseconds);
        var after = await JsonDocument.ParseAsync(await http.GetStreamAsync("checksum"));
        intact &= after.RootElement.GetProperty("checksum").GetString() == (string?)result["checksum"];
    }

    result["smi_during_mib"] = new JsonArray(during.Select(d => (JsonNode?)(d is { } v ? JsonValue.Create(v) : null)).ToArray());
    result["smi_after_mib"] = Smi.ProcessMemory(pid);
    result["freeze_ms"] = new JsonArray(freezes.Select(f => (JsonNode?)JsonValue.Create(Math.Round(f, 1))).ToArray());
    result["thaw_ms"] = new JsonArray(thaws.Select(t => (JsonNode?)JsonValue.Create(Math.Round(t, 1))).ToArray());
    result["freeze_ms_per_gib"] = freezes.Average() / (mb / 1024.0);
    result["thaw_ms_per_gib"] = thaws.Average() / (mb / 1024.0);
    result["memory_intact"] = intact;
    result["released_while_frozen"] = during.All(d => d is null || d < (long)(mb * 0.1));
    Console.WriteLine($"freeze {string.Join(", ", freezes.Select(f => f.ToString("0", CultureInfo.InvariantCulture)))} ms, thaw {string.Join(", ", thaws.Select(t => t.ToString("0", CultureInfo.InvariantCulture)))} ms for {mb} MiB; nvidia-smi {result["smi_before_mib"]} MiB before, {string.Join("/", during.Select(d => d?.ToString(CultureInfo.InvariantCulture) ?? "none"))} frozen, {result["smi_after_mib"]} after; contents {(intact ? "intact" : "CHANGED")}");
}
catch (Exception e)
{
    result["error"] = e.Message;
    Console.Error.WriteLine($"error: {e.Message}");
    if (File.Exists(log))
    {
        Console.Error.WriteLine(string.Join('\n', File.ReadLines(log).TakeLast(20)));
    }
}
finally
{
    await instance.StopAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
    await instance.DisposeAsync();
}

var ok = !result.ContainsKey("error") && result["memory_intact"]?.GetValue<bool>() == true;
result["ok"] = ok;
Console.WriteLine(result.ToJsonString());
return ok ? 0 : 1;

internal sealed class HttpMessageInvokerHandler(HttpMessageInvoker inner) : DelegatingHandler(new SocketsHttpHandler())
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        inner.SendAsync(request, cancellationToken);
}

internal static class Smi
{
    /// <summary>MiB the process holds on its GPU as nvidia-smi reports it; null when it is not listed (nothing held).</summary>
    public static long? ProcessMemory(int pid)
    {
        var psi = new ProcessStartInfo("nvidia-smi", ["--query-compute-apps=pid,used_memory", "--format=csv,noheader,nounits"]) { RedirectStandardOutput = true };
        Process p;
        try
        {
            p = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // no nvidia-smi: a host without a GPU (the check then shows only the CPU side)
        }

        using var _ = p;
        var text = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var cells = line.Split(',', StringSplitOptions.TrimEntries);
            if (cells.Length == 2 && cells[0] == pid.ToString(CultureInfo.InvariantCulture) && long.TryParse(cells[1], CultureInfo.InvariantCulture, out var used))
            {
                return used;
            }
        }

        return null;
    }
}

internal static class Proc
{
    /// <summary>CPU ticks the process used over <paramref name="span"/> (0 while it is frozen).</summary>
    public static long TicksOver(int pid, TimeSpan span)
    {
        var first = Ticks(pid);
        Thread.Sleep(span);
        return Ticks(pid) - first;
    }

    private static long Ticks(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }
}
