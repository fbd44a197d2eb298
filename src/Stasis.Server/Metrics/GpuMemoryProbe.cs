using System.Globalization;
using Microsoft.Extensions.Logging;
using Stasis.Server.Runtime.Process;

namespace Stasis.Server.Metrics;

/// <summary>Where GPU memory figures come from; a host without them answers null (unavailable).</summary>
internal interface IGpuMemoryProbe
{
    /// <summary>Whether this host can tell at all (nvidia-smi is there).</summary>
    bool Available { get; }

    /// <summary>The GPUs' memory and what each process holds now; null when it cannot be read.</summary>
    GpuMemoryReading? Read();
}

/// <summary>Memory of each GPU and of each process on them, MiB.</summary>
internal sealed record GpuMemoryReading(IReadOnlyList<GpuMemory> Devices, IReadOnlyDictionary<int, long> UsedMbByProcess);

internal sealed record GpuMemory(int Index, long UsedMb, long TotalMb);

/// <summary>No GPU figures: the host has no nvidia-smi.</summary>
internal sealed class NoGpuMemoryProbe : IGpuMemoryProbe
{
    public static NoGpuMemoryProbe Instance { get; } = new();

    public bool Available => false;

    public GpuMemoryReading? Read() => null;
}

/// <summary>
/// Asks nvidia-smi, twice per reading (the collector reads at most once per interval, and only when some function
/// asks for GPU memory): <c>--query-gpu=index,memory.used,memory.total</c> and
/// <c>--query-compute-apps=pid,used_memory</c>, both <c>--format=csv,noheader,nounits</c>.
/// </summary>
internal sealed class NvidiaSmiProbe(string path, ILogger logger) : IGpuMemoryProbe
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private int _warned;

    public static IGpuMemoryProbe Detect(ILogger logger) =>
        HostTools.Find("nvidia-smi") is { } path ? new NvidiaSmiProbe(path, logger) : NoGpuMemoryProbe.Instance;

    public bool Available => true;

    public GpuMemoryReading? Read()
    {
        try
        {
            var devices = HostCommand.Run(path, ["--query-gpu=index,memory.used,memory.total", "--format=csv,noheader,nounits"], Timeout);
            var processes = HostCommand.Run(path, ["--query-compute-apps=pid,used_memory", "--format=csv,noheader,nounits"], Timeout);
            if (devices.ExitCode != 0)
            {
                Warn($"nvidia-smi exited with code {devices.ExitCode}: {devices.Error.Trim()}");
                return null;
            }

            return new GpuMemoryReading(ParseDevices(devices.Output), processes.ExitCode == 0 ? ParseProcesses(processes.Output) : new Dictionary<int, long>());
        }
        catch (HostCommandException e)
        {
            Warn(e.Message);
            return null;
        }
    }

    /// <summary>Lines like <c>0, 1234, 81559</c>; lines with <c>[N/A]</c> or otherwise unreadable are skipped.</summary>
    internal static List<GpuMemory> ParseDevices(string csv)
    {
        var devices = new List<GpuMemory>();
        foreach (var fields in Lines(csv))
        {
            if (fields.Length >= 3 && Int(fields[0]) is { } index && Int(fields[1]) is { } used && Int(fields[2]) is { } total)
            {
                devices.Add(new GpuMemory((int)index, used, total));
            }
        }

        return devices;
    }

    /// <summary>Lines like <c>12345, 1024</c> (pid, MiB); a pid on several GPUs adds up.</summary>
    internal static Dictionary<int, long> ParseProcesses(string csv)
    {
        var used = new Dictionary<int, long>();
        foreach (var fields in Lines(csv))
        {
            if (fields.Length >= 2 && Int(fields[0]) is { } pid and > 0 and <= int.MaxValue && Int(fields[1]) is { } mb)
            {
                used[(int)pid] = used.GetValueOrDefault((int)pid) + mb;
            }
        }

        return used;
    }

    private static IEnumerable<string[]> Lines(string csv) =>
        csv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(l => l.Split(',', StringSplitOptions.TrimEntries));

    private static long? Int(string text) => long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;

    private void Warn(string message)
    {
        if (Interlocked.Exchange(ref _warned, 1) == 0)
        {
            logger.LogWarning("metrics: GPU memory is unavailable: {Problem}", message);
        }
    }
}
