using Stasis.Client.Model;
using Stasis.Server.Instances;
using Stasis.Server.Scheduling;

namespace Stasis.Tests.Storage.Contracts;

/// <summary>
/// What every implementation of the instance journal and history must do: the last record of an instance wins, what
/// never recorded an end is unfinished (what an earlier server left), and ended instances list newest first.
/// </summary>
public abstract class InstanceHistoryContract
{
    private protected abstract (IInstanceJournal Journal, IInstanceHistory History) Fresh();

    private static readonly DateTimeOffset T0 = new(2026, 7, 1, 9, 0, 0, TimeSpan.Zero);

    private static InstanceInfo Info(string id, string state, int minute, DateTimeOffset? stopped = null, string function = "f") => new()
    {
        Id = id, FunctionName = function, State = state, Version = 1, Pid = 100 + minute, StartedAt = T0.AddMinutes(minute), StoppedAt = stopped,
        Error = state == "Failed" ? "crashed" : null,
    };

    [Fact]
    public void The_last_record_wins_and_what_never_ended_is_unfinished()
    {
        var (journal, history) = Fresh();
        journal.Record(Info("a", "Starting", 1));
        journal.Record(Info("a", "Ready", 1));
        journal.Record(Info("b", "Ready", 2));
        journal.Record(Info("b", "Stopped", 2, T0.AddMinutes(5)));
        journal.Record(Info("c", "Failed", 3, T0.AddMinutes(4)));

        Assert.Equal([("a", "f", (int?)101)], history.Unfinished());
        Assert.Equal(["c", "b"], history.Ended("f", 10).Select(i => i.Id));
        Assert.Equal("crashed", history.Ended("f", 10)[0].Error);
        Assert.Equal(["c"], history.Ended("f", 1).Select(i => i.Id));
        Assert.Empty(history.Ended("other", 10));
    }

    [Fact]
    public void An_abandoned_instance_is_no_longer_unfinished_and_says_why_it_ended()
    {
        var (journal, history) = Fresh();
        journal.Record(Info("a", "Ready", 1));

        history.MarkAbandoned("a", T0.AddMinutes(9));

        Assert.Empty(history.Unfinished());
        var ended = Assert.Single(history.Ended("f", 10));
        Assert.Equal(("Stopped", T0.AddMinutes(9), "server stopped without stopping it"), (ended.State, ended.StoppedAt, ended.Error));
    }
}
