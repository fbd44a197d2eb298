using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.Time.Testing;
using Stasis.Server.Metering;

namespace Stasis.Tests.TestKit;

/// <summary>What can happen to the instances of one function, as the dispatcher would tell the meter.</summary>
public enum MeterAction
{
    Start,
    RequestStart,
    RequestEnd,
    Freeze,
    Thaw,
    Crash,
    Restart,
    /// <summary>The heartbeat runs: what the meter holds is taken (and, with a store, written).</summary>
    Beat,
}

/// <summary>One step: time moves by <see cref="AfterMs"/> (0 included: two changes at one instant), then <see cref="Action"/> hits instance slot <see cref="Slot"/>.</summary>
public sealed record MeterStep(int AfterMs, int Slot, MeterAction Action, bool Provisioned, int Shape)
{
    public override string ToString() => $"+{AfterMs}ms {Action} #{Slot}{(Action is MeterAction.Start or MeterAction.Restart ? Provisioned ? " provisioned" : " on-demand" : "")}";
}

/// <summary>FsCheck generators of step sequences; registered with <c>[Property(Arbitrary = [typeof(MeterArbitraries)])]</c>.</summary>
public static class MeterArbitraries
{
    private static readonly Gen<MeterStep> Step =
        from after in Gen.Frequency((1, Gen.Constant(0)), (6, Gen.Choose(1, 5_000)))
        from slot in Gen.Choose(0, 2)
        from action in Gen.Elements(Enum.GetValues<MeterAction>())
        from provisioned in Gen.Elements(true, false)
        from shape in Gen.Choose(0, MeterDriver.Shapes.Length - 1)
        select new MeterStep(after, slot, action, provisioned, shape);

    public static Arbitrary<MeterStep[]> Steps() => Arb.From(Step.ArrayOf());
}

/// <summary>
/// Drives a <see cref="Meter"/> through steps the way the dispatcher would (a request thaws a frozen
/// instance; only an instance with nothing in flight freezes), and keeps its own account of each
/// instance's active and idle time, to compare with what the meter recorded.
/// </summary>
public sealed class MeterDriver
{
    public static readonly (double VCpu, double MemoryGb, double GpuGb)[] Shapes = [(8, 32, 16), (2, 4, 0), (0.5, 1.5, 24), (0, 0, 0)];

    private readonly Dictionary<int, Slot> _slots = new();
    private int _generation;

    public MeterDriver(DateTimeOffset start)
    {
        Time = new FakeTimeProvider(start);
        Meter = new Meter(Time);
    }

    public FakeTimeProvider Time { get; }

    internal Meter Meter { get; }

    /// <summary>Every instance that ever started, with the driver's own tally.</summary>
    public Dictionary<string, Account> Accounts { get; } = new(StringComparer.Ordinal);

    /// <summary>Called on <see cref="MeterAction.Beat"/>; by default the batch is taken and kept in <see cref="Taken"/>.</summary>
    public Action? OnBeat { get; set; }

    internal List<MeterInterval> Taken { get; } = [];

    public void Run(IEnumerable<MeterStep> steps)
    {
        foreach (var step in steps)
        {
            Time.Advance(TimeSpan.FromMilliseconds(step.AfterMs));
            Apply(step);
        }
    }

    /// <summary>Ends every live instance now (the server stops) and takes what the meter still holds.</summary>
    public void EndAll()
    {
        foreach (var slot in _slots.Keys.ToList())
        {
            Crash(slot);
        }

        Taken.AddRange(Meter.TakeBatch().Closed);
    }

    private void Apply(MeterStep step)
    {
        var now = Time.GetUtcNow();
        _slots.TryGetValue(step.Slot, out var slot);
        switch (step.Action)
        {
            case MeterAction.Start when slot is null:
                Spawn(step);
                break;
            case MeterAction.RequestStart when slot is not null:
                slot.InFlight++;
                Set(slot, MeterState.Active, now); // thaws a frozen instance; a no-op call on an active one
                break;
            case MeterAction.RequestEnd when slot is { InFlight: > 0 }:
                slot.InFlight--;
                break;
            case MeterAction.Freeze when slot is { InFlight: 0 }:
                Set(slot, MeterState.Idle, now);
                break;
            case MeterAction.Thaw when slot is not null:
                Set(slot, MeterState.Active, now);
                break;
            case MeterAction.Crash:
                Crash(step.Slot);
                Meter.Ended(slot?.Id ?? "never-started", now); // a second Ended, or one for nobody: ignored
                break;
            case MeterAction.Restart:
                Crash(step.Slot);
                Spawn(step);
                break;
            case MeterAction.Beat:
                if (OnBeat is { } beat)
                {
                    beat();
                }
                else
                {
                    Taken.AddRange(Meter.TakeBatch().Closed);
                }

                break;
        }
    }

    private void Spawn(MeterStep step)
    {
        var shape = Shapes[step.Shape];
        var instance = new MeteredInstance($"i{step.Slot}-{_generation++}", "fn" + (step.Slot % 2),
            step.Provisioned ? InstanceKind.Provisioned : InstanceKind.OnDemand, shape.VCpu, shape.MemoryGb, shape.GpuGb);
        var now = Time.GetUtcNow();
        _slots[step.Slot] = new Slot(instance.InstanceId) { State = MeterState.Active, Since = now };
        Accounts[instance.InstanceId] = new Account(instance, now);
        Meter.Started(instance, now);
    }

    private void Set(Slot slot, MeterState state, DateTimeOffset now)
    {
        Meter.Changed(slot.Id, state, now);
        if (slot.State != state)
        {
            Accounts[slot.Id].Add(slot.State, now - slot.Since);
            (slot.State, slot.Since) = (state, now);
        }
    }

    private void Crash(int index)
    {
        if (_slots.Remove(index, out var slot))
        {
            var now = Time.GetUtcNow();
            Accounts[slot.Id].Add(slot.State, now - slot.Since);
            Accounts[slot.Id].Ended = now;
            Meter.Ended(slot.Id, now);
        }
    }

    private sealed class Slot(string id)
    {
        public string Id { get; } = id;
        public int InFlight { get; set; }
        public MeterState State { get; set; }
        public DateTimeOffset Since { get; set; }
    }

    /// <summary>The driver's own account of one instance: when it lived and how long in each state.</summary>
    public sealed class Account(MeteredInstance instance, DateTimeOffset started)
    {
        public MeteredInstance Instance { get; } = instance;
        public DateTimeOffset Started { get; } = started;
        public DateTimeOffset? Ended { get; set; }
        public TimeSpan Active { get; private set; }
        public TimeSpan Idle { get; private set; }

        public void Add(MeterState state, TimeSpan span)
        {
            if (state == MeterState.Active)
            {
                Active += span;
            }
            else
            {
                Idle += span;
            }
        }
    }
}
