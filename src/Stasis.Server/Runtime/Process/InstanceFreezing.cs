using Stasis.Server.Runtime.Freezing;
using Stasis.Server.Runtime.Gpu;

namespace Stasis.Server.Runtime.Process;

/// <summary>
/// What an instance gets from its runtime to freeze with: the host's freezer, its GPU and the tool that
/// moves its device state out (both null for a CPU instance), and a call for when it is gone.
/// </summary>
internal sealed record InstanceFreezing(IFreezer Freezer, GpuLease? Gpu, CudaCheckpoint? Cuda, Action<ProcessInstance> Released);
