using Stasis.Server.Scheduling;

namespace Stasis.Tests.Scheduling;

/// <summary>Provisioning apart from its instances: the target, the error that says why current is short, and the back-off.</summary>
public sealed class ProvisionPlanTests
{
    private static readonly DateTimeOffset T0 = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Failed_starts_back_off_2_4_8_seconds_up_to_a_minute_and_a_success_starts_over()
    {
        var plan = new ProvisionPlan();
        plan.Set(1, idleMode: false);
        var waits = new List<double>();
        var now = T0;
        for (var i = 0; i < 8; i++)
        {
            plan.Failed("boom", now);
            var (start, _) = plan.Plan([], [], closing: false, now);
            Assert.Equal(0, start); // backing off
            var next = Enumerable.Range(1, 120).Select(s => now.AddSeconds(s)).First(t => plan.Plan([], [], false, t).Start == 1);
            waits.Add((next - now).TotalSeconds);
            now = next;
        }

        Assert.Equal([2, 4, 8, 16, 32, 60, 60, 60], waits);
        Assert.Equal("boom", plan.CurrentError);
        plan.Succeeded();
        Assert.Null(plan.CurrentError);
        Assert.Equal(1, plan.Plan([], [], false, now).Start);
    }

    [Fact]
    public void The_autoscaler_changes_only_the_count_and_a_new_config_clears_errors()
    {
        var plan = new ProvisionPlan();
        Assert.False(plan.Set(2, idleMode: false));
        plan.Failed("boom", T0);

        Assert.False(plan.ScaleTo(2));
        Assert.True(plan.ScaleTo(3));
        Assert.Equal("boom", plan.CurrentError);
        Assert.True(plan.Set(3, idleMode: true)); // idle mode switched: the instances rotate
        Assert.Null(plan.CurrentError);
        Assert.Equal(0, plan.Plan([], [], closing: true, T0).Start); // closing: none wanted
    }
}
