using Stasis.Client.Model;
using Stasis.Server.Instances;
using Stasis.Server.Metering;
using Stasis.Tests.TestKit;

namespace Stasis.Tests.Scheduling;

/// <summary>The dispatcher's load as the metrics sampler reads it.</summary>
public sealed class LoadSampleTests
{
    [Fact]
    public async Task LoadSample_ProvisionedInstancesWithARequest_EachInstanceWithItsKindStateAndSlots()
    {
        var h = new DispatcherHarness(new DispatcherHarness().Spec with { InstanceConcurrency = 3, Cpu = 2, GpuMemorySize = 4096 });
        h.Dispatcher.SetProvision(2, idleMode: false);
        await DispatcherHarness.Until(() => h.Dispatcher.ProvisionState().Current == 2, "two provisioned instances");

        using var lease = await h.Dispatcher.AcquireAsync(CancellationToken.None);
        var sample = h.Dispatcher.LoadSample();

        Assert.Equal(("fn", 2, 2, 0, 2.0, 4096), (sample.FunctionName, sample.ProvisionedTarget, sample.ProvisionedCurrent, sample.Waiting, sample.CpuLimit!.Value, sample.GpuMemoryMb!.Value));
        Assert.Equal(2, sample.Instances.Count);
        Assert.All(sample.Instances, i => Assert.Equal((InstanceKind.Provisioned, 3), (i.Kind, i.Slots)));
        Assert.All(sample.Instances, i => Assert.NotNull(i.Handle));
        var busy = Assert.Single(sample.Instances, i => i.InFlight == 1);
        Assert.Equal((lease.Instance.Id, InstanceState.Busy), (busy.InstanceId, busy.State));
    }

    [Fact]
    public void LoadSample_NoInstance_IsEmptyWithTheSpecsFigures()
    {
        var h = new DispatcherHarness();

        var sample = h.Dispatcher.LoadSample();

        Assert.Empty(sample.Instances);
        Assert.Equal((0, 0, (double?)null, (int?)null), (sample.ProvisionedTarget, sample.ProvisionedCurrent, sample.CpuLimit, sample.GpuMemoryMb));
    }
}
