using Stasis.Server.Scheduling;

namespace Stasis.Tests.Scheduling;

public sealed class StartGateTests
{
    [Fact]
    public async Task ATurnBeyondTheBoundWaitsUntilAnEarlierStartEnds()
    {
        var gate = new StartGate(2);
        var first = await gate.EnterAsync(CancellationToken.None);
        using var second = await gate.EnterAsync(CancellationToken.None);

        var third = gate.EnterAsync(CancellationToken.None).AsTask();
        Assert.False(third.IsCompleted);

        first.Dispose();
        using var turn = await third;
        Assert.True(third.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task AStartStoppedWhileWaitingLeavesWithoutATurn()
    {
        var gate = new StartGate(1);
        using var only = await gate.EnterAsync(CancellationToken.None);
        using var stop = new CancellationTokenSource();

        var waiting = gate.EnterAsync(stop.Token).AsTask();
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }

    [Fact]
    public async Task UnlimitedNeverWaits()
    {
        var turns = new List<StartGate.Turn>();
        for (var i = 0; i < 1000; i++)
        {
            var turn = StartGate.Unlimited.EnterAsync(CancellationToken.None);
            Assert.True(turn.IsCompletedSuccessfully);
            turns.Add(await turn);
        }

        Assert.Equal(1000, turns.Count);
    }

    [Fact]
    public void ABoundBelowOneIsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new StartGate(0));
}
