namespace Stasis.Server.Runtime.Gpu;

/// <summary>A GPU given to one instance, and the memory it was counted for.</summary>
internal sealed record GpuLease(int Index, int MemoryMb);

/// <summary>
/// Assigns instances to GPUs: each goes to the device with the most memory not yet promised to other
/// instances (ties: fewer instances, then the lower index). Example: two 80 GB devices holding one
/// 24 GB instance on device 0 → the next goes to device 1 (80 GB free beats 56 GB). A request larger
/// than what is free still gets a device: the driver, not this count, decides what fits.
/// </summary>
internal sealed class GpuDevices(IReadOnlyList<GpuDevice> devices)
{
    private readonly Lock _gate = new();
    private readonly long[] _promisedMb = new long[devices.Count];
    private readonly int[] _instances = new int[devices.Count];

    public IReadOnlyList<GpuDevice> Devices => devices;

    /// <summary>A device for an instance that asks for <paramref name="memoryMb"/>; null where there is none.</summary>
    public GpuLease? Assign(int memoryMb)
    {
        lock (_gate)
        {
            var best = -1;
            for (var i = 0; i < devices.Count; i++)
            {
                if (best < 0 || Free(i) > Free(best) || (Free(i) == Free(best) && _instances[i] < _instances[best]))
                {
                    best = i;
                }
            }

            if (best < 0)
            {
                return null;
            }

            _promisedMb[best] += memoryMb;
            _instances[best]++;
            return new GpuLease(devices[best].Index, memoryMb);
        }
    }

    public void Release(GpuLease lease)
    {
        lock (_gate)
        {
            for (var i = 0; i < devices.Count; i++)
            {
                if (devices[i].Index == lease.Index && _instances[i] > 0)
                {
                    _promisedMb[i] -= lease.MemoryMb;
                    _instances[i]--;
                    return;
                }
            }
        }
    }

    private long Free(int i) => devices[i].MemoryMb - _promisedMb[i];
}
