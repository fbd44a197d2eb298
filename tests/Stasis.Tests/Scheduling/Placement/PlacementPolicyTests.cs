using Stasis.Client.Model;
using Stasis.Server.Scheduling.Placement;

namespace Stasis.Tests.Scheduling.Placement;

/// <summary>Each policy alone, on snapshots of instances.</summary>
public sealed class PlacementPolicyTests
{
    private static PlacementCandidate C(int inFlight, int queued = 0, int slots = 1, int tier = 0, long idleSince = 0) =>
        new(tier, inFlight, queued, slots, idleSince);

    [Fact]
    public void JoinIdleQueue_NoFreeSlot_WaitsInTheQueue()
    {
        Assert.Equal(-1, JoinIdleQueuePolicy.Instance.Choose([C(1), C(1), C(2, slots: 2)]));
    }

    [Fact]
    public void JoinIdleQueue_TakesOnlyAFreeSlot_BestTierFirst()
    {
        // tier 0 is full; of the free ones, tier 1 (warm on-demand) beats tier 2 (frozen).
        Assert.Equal(2, JoinIdleQueuePolicy.Instance.Choose([C(1, tier: 0), C(0, tier: 2), C(0, tier: 1)]));
    }

    [Fact]
    public void JoinIdleQueue_SameTier_FewestInFlightThenIdleLongest()
    {
        Assert.Equal(1, JoinIdleQueuePolicy.Instance.Choose([C(2, slots: 4), C(1, slots: 4), C(3, slots: 4)]));
        Assert.Equal(2, JoinIdleQueuePolicy.Instance.Choose([C(0, idleSince: 30), C(0, idleSince: 20), C(0, idleSince: 10)]));
    }

    [Fact]
    public void JoinIdleQueue_AnInstanceWithABacklogHasNoFreeSlot()
    {
        Assert.Equal(-1, JoinIdleQueuePolicy.Instance.Choose([C(0, queued: 1, slots: 2)]));
    }

    [Fact]
    public void RoundRobin_CyclesWhateverTheLoad()
    {
        var policy = new RoundRobinPolicy();
        PlacementCandidate[] snapshot = [C(5, queued: 3), C(0), C(0)];

        var picks = Enumerable.Range(0, 7).Select(_ => policy.Choose(snapshot)).ToArray();

        Assert.Equal([0, 1, 2, 0, 1, 2, 0], picks);
        Assert.True(policy.BindsOnArrival);
    }

    [Fact]
    public void RoundRobin_FewerInstances_StaysInRange()
    {
        var policy = new RoundRobinPolicy();
        policy.Choose([C(0), C(0), C(0)]);
        policy.Choose([C(0), C(0), C(0)]);

        Assert.Equal(0, policy.Choose([C(0), C(0)]));
        Assert.Equal(0, policy.Choose([C(0)]));
    }

    [Fact]
    public void Random_DrawsEveryInstanceAboutEqually()
    {
        var policy = new RandomPolicy(new Random(7));
        var counts = new int[4];
        PlacementCandidate[] snapshot = [C(9), C(0), C(0), C(0)];

        for (var i = 0; i < 4000; i++)
        {
            counts[policy.Choose(snapshot)]++;
        }

        Assert.All(counts, n => Assert.InRange(n, 800, 1200)); // load is ignored: the busy one is drawn as often
    }

    [Fact]
    public void PowerOfTwoChoices_TakesTheLessLoadedOfTwoDistinctDraws()
    {
        var policy = new PowerOfTwoChoicesPolicy(new Random(3));
        PlacementCandidate[] two = [C(3), C(1)];

        // With two instances both are always drawn, so the less loaded one always wins.
        Assert.All(Enumerable.Range(0, 50).Select(_ => policy.Choose(two)), pick => Assert.Equal(1, pick));
    }

    [Fact]
    public void PowerOfTwoChoices_NeverPicksTheMostLoadedOfThree()
    {
        var policy = new PowerOfTwoChoicesPolicy(new Random(11));
        PlacementCandidate[] three = [C(1), C(9, queued: 4), C(2)];

        var picks = Enumerable.Range(0, 300).Select(_ => policy.Choose(three)).ToArray();

        Assert.DoesNotContain(1, picks);
        Assert.Contains(0, picks);
        Assert.Contains(2, picks); // drawn with 1 only
    }

    [Fact]
    public void PowerOfTwoChoices_OneInstance_IsThatOne()
    {
        Assert.Equal(0, new PowerOfTwoChoicesPolicy(new Random(1)).Choose([C(4)]));
    }

    [Fact]
    public void LeastOutstanding_CountsQueuedAsWellAsInFlight()
    {
        Assert.Equal(1, new LeastOutstandingPolicy().Choose([C(1, queued: 2), C(2), C(1, queued: 3)]));
    }

    [Fact]
    public void LeastOutstanding_Ties_BetterTierThenIdleLongest()
    {
        var policy = new LeastOutstandingPolicy();
        Assert.Equal(1, policy.Choose([C(1, tier: 2), C(1, tier: 0), C(1, tier: 1)]));
        Assert.Equal(2, policy.Choose([C(0, idleSince: 50), C(0, idleSince: 40), C(0, idleSince: 5)]));
    }

    [Theory]
    [InlineData(null, typeof(JoinIdleQueuePolicy))]
    [InlineData("join-idle-queue", typeof(JoinIdleQueuePolicy))]
    [InlineData("round-robin", typeof(RoundRobinPolicy))]
    [InlineData("random", typeof(RandomPolicy))]
    [InlineData("power-of-two-choices", typeof(PowerOfTwoChoicesPolicy))]
    [InlineData("least-outstanding", typeof(LeastOutstandingPolicy))]
    public void Create_MakesThePolicyNamed(string? name, Type expected)
    {
        var policy = PlacementPolicies.Create(name, new Random(1));

        Assert.IsType(expected, policy);
        Assert.Equal(name ?? SchedulingPolicyNames.Default, policy.Name);
        Assert.Equal(name is not (null or "join-idle-queue"), policy.BindsOnArrival);
    }

    [Fact]
    public void Names_AreTheOnesTheFactoryKnows()
    {
        Assert.All(SchedulingPolicyNames.All, n => Assert.Equal(n, PlacementPolicies.Create(n, new Random(1)).Name));
        Assert.False(SchedulingPolicyNames.IsKnown("fastest"));
    }
}
