using System.Globalization;

namespace Stasis.Server.Runtime.Gpu;

/// <summary>One GPU as nvidia-smi lists it: its index (with CUDA_DEVICE_ORDER=PCI_BUS_ID, CUDA's too) and its memory.</summary>
internal sealed record GpuDevice(int Index, long MemoryMb)
{
    /// <summary>The arguments that list the GPUs, one CSV line each: <c>0, 81559 MiB</c>.</summary>
    public static IReadOnlyList<string> QueryArguments { get; } = ["--query-gpu=index,memory.total", "--format=csv,noheader"];

    /// <summary>Reads <c>nvidia-smi --query-gpu=index,memory.total --format=csv,noheader</c>; lines it cannot read are skipped.</summary>
    public static List<GpuDevice> ParseList(string csv)
    {
        var devices = new List<GpuDevice>();
        foreach (var line in csv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = line.Split(',', StringSplitOptions.TrimEntries);
            if (fields.Length < 2 || !int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                continue;
            }

            // "81559 MiB"; "[N/A]" on some virtual GPUs, kept as 0 so the device is still used.
            var memory = fields[1].Split(' ')[0];
            devices.Add(new GpuDevice(index, long.TryParse(memory, NumberStyles.None, CultureInfo.InvariantCulture, out var mb) ? mb : 0));
        }

        return devices;
    }
}
