using Stasis.Server.Autoscaling;

namespace Stasis.Tests.Autoscaling;

/// <summary>
/// The decider over timelines: one step per closed one-minute metric interval, the way the loop
/// would call it.
/// </summary>
public sealed class AutoscalerScenarioTests
{
    /// <summary>Keep ProvisionedConcurrencyUtilization near 60 %, with 1 to 10 instances.</summary>
    private const string Demo = """
        [{"name": "demo", "metricType": "ProvisionedConcurrencyUtilization", "metricTarget": 0.6, "minCapacity": 1, "maxCapacity": 10}]
        """;

    [Fact]
    public void StepInLoad_ScalesOutAfterThreeIntervals_NotBefore()
    {
        var t = new ScalingTimeline(Demo, defaultTarget: 1);
        t.At("10:00").Current(2).Metric(0.5).Expect(2);

        // Load steps up: two intervals above target are not yet a trend.
        t.At("10:01").Metric(0.92).Expect(2);
        t.At("10:02").Metric(0.92).Expect(2);

        // The third is.
        var decision = t.At("10:03").Metric(0.92).Expect(4);
        Assert.Equal("ProvisionedConcurrencyUtilization 0.92 > 0.60 for 3 intervals: ceil(2 × 0.92 / 0.60) = 4 (policy demo)", decision.Reason);
        Assert.Null(decision.Explain);

        // The new instances are still starting; the metric is as high, but a step needs a new sustained period.
        t.At("10:04").Metric(0.92).Expect(4);

        // They are ready: the load spreads over four, under the target. Hold.
        t.At("10:05").Current(4).Metric(0.46).Expect(4);
    }

    [Fact]
    public void StillAboveAfterAStep_StepsAgainAfterAnotherSustainedPeriod()
    {
        var t = new ScalingTimeline(Demo);
        t.Current = 2;
        t.During("10:01", "10:02", s => s.Metric(0.9).Expect(2));
        t.At("10:03").Metric(0.9).Expect(3); // ceil(2 × 0.9 / 0.6) = 3, not 4: 3.0000000000000004 is 3

        // Three ready and still 0.8: three more intervals, then ceil(3 × 0.8 / 0.6) = 4.
        t.Current = 3;
        t.During("10:04", "10:05", s => s.Metric(0.8).Expect(3));
        t.At("10:06").Metric(0.8).Expect(4);
    }

    [Fact]
    public void BriefSpike_DoesNotScaleOut()
    {
        var t = new ScalingTimeline(Demo);
        t.At("10:00").Current(2).Metric(0.3).Expect(2);

        // A two-minute spike, then quiet: the count starts again.
        t.At("10:01").Metric(0.99).Expect(2);
        t.At("10:02").Metric(0.99).Expect(2);
        t.At("10:03").Metric(0.4).Expect(2);

        // Another one-minute spike, and another two: never three in a row.
        t.At("10:04").Metric(0.99).Expect(2);
        t.At("10:05").Metric(0.6).Expect(2); // at the target: neither above nor below
        t.At("10:06").Metric(0.99).Expect(2);
        var last = t.At("10:07").Metric(0.99).Expect(2);
        Assert.Equal("ProvisionedConcurrencyUtilization 0.99 > 0.60 for 2 of 3 intervals: holding 2 (policy demo)", last.Reason);
    }

    [Fact]
    public void Quiet_ScalesInOnlyAfterFifteenIntervals()
    {
        var t = new ScalingTimeline(Demo);
        t.Current = 4;

        // Fourteen quiet minutes: still four.
        t.During("10:01", "10:14", s => s.Metric(0.2).Expect(4));

        // The fifteenth: ceil(4 × 0.2 / 0.6) = ceil(1.33) = 2.
        var decision = t.At("10:15").Metric(0.2).Expect(2);
        Assert.Equal("ProvisionedConcurrencyUtilization mean 0.20 < 0.60 over 15 intervals: ceil(4 × 0.20 / 0.60) = 2 (policy demo)", decision.Reason);
    }

    [Fact]
    public void QuietInterruptedByBusyMinute_StartsCountingAgain()
    {
        var t = new ScalingTimeline(Demo);
        t.Current = 4;
        t.During("10:01", "10:10", s => s.Metric(0.2).Expect(4));
        t.At("10:11").Metric(0.7).Expect(4);
        t.During("10:12", "10:25", s => s.Metric(0.2).Expect(4));
        t.At("10:26").Metric(0.2).Expect(2);
    }

    [Fact]
    public void SlightlyBelowTarget_CeilKeepsTheCount()
    {
        var t = new ScalingTimeline(Demo);
        t.Current = 4;

        // ceil(4 × 0.55 / 0.6) = ceil(3.67) = 4: fifteen intervals below target, and nothing to remove.
        t.During("10:01", "10:15", s => s.Metric(0.55).Expect(4));
    }

    [Fact]
    public void LoadBeyondMaxCapacity_ClampsAndExplains()
    {
        var t = new ScalingTimeline("""
            [{"name": "capped", "metricType": "ProvisionedConcurrencyUtilization", "metricTarget": 0.5, "minCapacity": 1, "maxCapacity": 3}]
            """);
        t.Current = 2;
        t.During("10:01", "10:02", s => Assert.Null(s.Metric(0.95).Expect(2).Explain)); // not at the maximum yet

        // ceil(2 × 0.95 / 0.5) = 4 > maxCapacity 3.
        var decision = t.At("10:03").Metric(0.95).Expect(3);
        Assert.Equal("ProvisionedConcurrencyUtilization 0.95 > 0.50 for 3 intervals: ceil(2 × 0.95 / 0.50) = 4, capped at maxCapacity 3 (policy capped)", decision.Reason);
        Assert.Equal("maxCapacity 3 of policy capped reached: ProvisionedConcurrencyUtilization 0.95 asks for 4", decision.Explain);

        // Three ready and still above target: held at the maximum, and still saying why.
        var held = t.At("10:04").Current(3).Metric(0.8).Expect(3);
        Assert.Equal("maxCapacity 3 of policy capped reached: ProvisionedConcurrencyUtilization 0.80 asks for 5", held.Explain);

        // The load falls under the target: nothing is held back any more.
        Assert.Null(t.At("10:05").Metric(0.4).Expect(3).Explain);
    }

    [Fact]
    public void MaxCapacityReached_ButAScheduleGivesMore_NothingToExplain()
    {
        var t = new ScalingTimeline("""
            [{"metricType": "ProvisionedConcurrencyUtilization", "metricTarget": 0.5, "minCapacity": 1, "maxCapacity": 3}]
            """, """[{"target": 6, "scheduleExpression": "cron(0 0 10 * * *)"}]""");
        t.Current = 2;
        t.During("10:01", "10:02", s => s.Metric(0.95).Expect(6));
        var decision = t.At("10:03").Metric(0.95).Expect(6);
        Assert.Null(decision.Explain);
        Assert.Equal(new ScalingProposal("policy targetTrackingPolicies[0]", 3,
            "ProvisionedConcurrencyUtilization 0.95 > 0.50 for 3 intervals: ceil(2 × 0.95 / 0.50) = 4, capped at maxCapacity 3"), decision.Evidence.Proposals[1]);
    }

    [Fact]
    public void QuietBelowMinCapacity_KeepsTheFloor()
    {
        var t = new ScalingTimeline("""
            [{"name": "floor", "metricType": "CPUUtilization", "metricTarget": 0.6, "minCapacity": 2, "maxCapacity": 8}]
            """);
        t.Current = 3;
        t.During("10:01", "10:14", s => s.Metric(0.05, ScalingMetricType.CPUUtilization).Expect(3));
        var decision = t.At("10:15").Metric(0.05, ScalingMetricType.CPUUtilization).Expect(2);
        Assert.Equal("CPUUtilization mean 0.05 < 0.60 over 15 intervals: ceil(3 × 0.05 / 0.60) = 1, raised to minCapacity 2 (policy floor)", decision.Reason);
        Assert.Null(decision.Explain);
    }

    [Fact]
    public void CronScheduleInShanghai_RaisesTheFloorAtItsTime_ReleasesAfterEndTime()
    {
        // 08:00 in Shanghai (00:00 UTC), on the 10th and 11th only; a tracking policy asks for one.
        var t = new ScalingTimeline(Demo, """
            [{"name": "morning", "target": 5, "scheduleExpression": "cron(0 0 8 * * *)", "timeZone": "Asia/Shanghai",
              "startTime": "2024-03-10T00:00:00", "endTime": "2024-03-12T00:00:00"}]
            """, defaultTarget: 1, zone: "Asia/Shanghai");
        t.At("07:59").Current(1).Metric(0.3).Expect(1);

        var morning = t.At("08:00").Metric(0.3).Expect(5);
        Assert.Equal(new DateTimeOffset(2024, 3, 10, 0, 0, 0, TimeSpan.Zero), t.At("08:00").Now);
        Assert.Equal("cron(0 0 8 * * *) fired at 2024-03-10T08:00:00+08:00: target 5 (scheduled action morning), the highest of 2 proposals", morning.Reason);

        // All day and through the night the floor holds; the next morning it fires again.
        t.At("23:00").Current(5).Metric(0.1).Expect(5);
        t.At("2024-03-11T07:00").Metric(0.1).Expect(5);
        t.At("2024-03-11T08:00").Metric(0.1).Expect(5);

        // Its endTime passes: only the tracking policy is left; it holds what it last proposed.
        var after = t.At("2024-03-12T00:00").Metric(0.1).Expect(1);
        Assert.Equal("ProvisionedConcurrencyUtilization 0.10 < 0.60 for 6 of 15 intervals: holding 1 (policy demo)", after.Reason);
    }

    [Fact]
    public void MorningAndEveningActions_TheLatestFiringSetsTheTarget()
    {
        var t = new ScalingTimeline(actions: """
            [{"name": "morning", "target": 5, "scheduleExpression": "cron(0 0 8 * * *)"},
             {"name": "evening", "target": 1, "scheduleExpression": "cron(0 0 20 * * *)"}]
            """, defaultTarget: 3);
        t.At("07:00").Expect(1); // the evening before
        t.At("08:00").Expect(5);
        t.At("19:59").Expect(5);
        t.At("20:00").Expect(1);
    }

    [Fact]
    public void AtAction_WithoutOffset_FiresOnceAtThatTimeInItsZone()
    {
        var t = new ScalingTimeline(actions: """
            [{"name": "launch", "target": 8, "scheduleExpression": "at(2024-03-10T12:00:00)", "timeZone": "Asia/Shanghai"}]
            """, defaultTarget: 2);

        // 12:00 in Shanghai is 04:00 UTC.
        t.At("03:59").Expect(2);
        var decision = t.At("04:00").Expect(8);
        Assert.Equal("at(2024-03-10T12:00:00) fired at 2024-03-10T12:00:00+08:00: target 8 (scheduled action launch)", decision.Reason);
        t.At("2024-03-20T04:00").Expect(8);
    }

    [Fact]
    public void OverlappingPolicies_TakeTheMaximum()
    {
        var t = new ScalingTimeline("""
            [{"name": "requests", "metricType": "ProvisionedConcurrencyUtilization", "metricTarget": 0.6, "minCapacity": 1, "maxCapacity": 10},
             {"name": "gpu", "metricType": "GPUMemUtilization", "metricTarget": 0.5, "minCapacity": 2, "maxCapacity": 10}]
            """, """
            [{"name": "business-hours", "target": 3, "scheduleExpression": "cron(0 0 9 * * *)"}]
            """);
        t.Current = 3;

        // Everything holds at 3: the schedule, the quiet requests policy, the gpu policy at its target.
        t.At("09:00").Metric(0.3).Metric(0.5, ScalingMetricType.GPUMemUtilization).Expect(3);

        // GPU memory fills: ceil(3 × 0.9 / 0.5) = 6 wins over the other two.
        t.During("09:01", "09:02", s => s.Metric(0.3).Metric(0.9, ScalingMetricType.GPUMemUtilization).Expect(3));
        var decision = t.At("09:03").Metric(0.3).Metric(0.9, ScalingMetricType.GPUMemUtilization).Expect(6);
        Assert.Equal("GPUMemUtilization 0.90 > 0.50 for 3 intervals: ceil(3 × 0.90 / 0.50) = 6 (policy gpu), the highest of 3 proposals", decision.Reason);
        Assert.Equal(["scheduled action business-hours", "policy requests", "policy gpu"], decision.Evidence.Proposals.Select(p => p.Source));
        Assert.Equal([3, 3, 6], decision.Evidence.Proposals.Select(p => p.Target));
    }

    [Fact]
    public void TrackingPolicyOutsideItsWindow_DoesNotApply()
    {
        var t = new ScalingTimeline("""
            [{"name": "office", "metricType": "CPUUtilization", "metricTarget": 0.6, "minCapacity": 3, "maxCapacity": 6,
              "startTime": "2024-03-10T09:00:00Z", "endTime": "2024-03-10T17:00:00.000Z"}]
            """, defaultTarget: 1);
        Assert.Equal("no policy applies: defaultTarget 1", t.At("08:59").Current(1).Expect(1).Reason);
        t.At("09:00").Metric(0.5, ScalingMetricType.CPUUtilization).Expect(3);
        t.At("16:59").Current(3).Metric(0.5, ScalingMetricType.CPUUtilization).Expect(3);
        t.At("17:00").Metric(0.5, ScalingMetricType.CPUUtilization).Expect(1);
    }

    [Fact]
    public void TargetZero_DisablesThePolicies()
    {
        var t = new ScalingTimeline(Demo, """[{"target": 4, "scheduleExpression": "cron(0 0 * * * *)"}]""", defaultTarget: 2);
        t.At("10:00").Current(4).Metric(0.9).Expect(4);

        t.Disabled = true;
        var decision = t.At("10:01").Metric(0.9).Expect(0);
        Assert.Equal("target 0 disables the policies", decision.Reason);
        Assert.Empty(decision.Evidence.Proposals);
    }

    [Fact]
    public void NoPolicyAndDefaultTargetZero_IsZero()
    {
        var t = new ScalingTimeline();
        Assert.Equal("no policy applies: defaultTarget 0", t.At("10:00").Metric(0.9).Expect(0).Reason);
    }

    [Fact]
    public void UnavailableMetric_HoldsSayingSoInItsReason_NotAsAnError_AndNeitherBreaksNorExtendsARun()
    {
        var t = new ScalingTimeline(Demo);
        t.Current = 3;
        t.During("10:01", "10:02", s => s.Metric(0.9).Expect(3));

        var gap = t.At("10:03").Metric(null).Expect(3);
        Assert.Equal("ProvisionedConcurrencyUtilization unavailable: holding 3 (policy demo)", gap.Reason);
        Assert.Null(gap.Explain); // nothing is wrong: no currentError

        // The run of two goes on: this is the third interval above target.
        t.At("10:04").Metric(0.9).Expect(5);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(-0.5)]
    public void BrokenMeasure_CountsAsUnavailable(double value)
    {
        var t = new ScalingTimeline(Demo);
        var decision = t.At("10:00").Current(2).Metric(value).Expect(2);
        Assert.Equal("ProvisionedConcurrencyUtilization unavailable: holding 2 (policy demo)", decision.Reason);
    }

    [Fact]
    public void NothingReadyAndNothingMeasured_ProposesMinCapacity()
    {
        var t = new ScalingTimeline("""
            [{"name": "warm", "metricType": "ProvisionedConcurrencyUtilization", "metricTarget": 0.6, "minCapacity": 2, "maxCapacity": 5}]
            """);
        var decision = t.At("10:00").Current(0).Metric(null).Expect(2);
        Assert.Equal("ProvisionedConcurrencyUtilization unavailable with no instance ready: minCapacity 2 (policy warm)", decision.Reason);
        Assert.Null(decision.Explain);
        t.At("10:01").Metric(0).Expect(2);
    }

    [Fact]
    public void SameIntervalTwice_CountsOnce()
    {
        var policies = ScalingTimeline.Parse(Demo, "[]");
        var state = ScalingState.Initial;
        var start = new DateTimeOffset(2024, 3, 10, 10, 0, 0, TimeSpan.Zero);
        for (var minute = 1; minute <= 2; minute++)
        {
            var interval = new ScalingMetrics(start.AddMinutes(minute), ProvisionedConcurrencyUtilization: 0.9);

            // The loop ticks every 10 s; the interval closes once a minute.
            for (var tick = 0; tick < 6; tick++)
            {
                var input = new ScalingInput(interval.IntervalEnd.AddSeconds(tick * 10), 0, false, policies, 2, interval, ScalingSettings.Default);
                var decision = Autoscaler.Decide(input, state);
                Assert.Equal(2, decision.Target);
                state = decision.State;
            }
        }

        Assert.Equal(2, state.Tracking["demo"].Above);
    }

    [Fact]
    public void Settings_ChangeTheSustainedPeriods()
    {
        var t = new ScalingTimeline(Demo, settings: new ScalingSettings(ScaleOutIntervals: 1, ScaleInIntervals: 2));
        t.At("10:00").Current(2).Metric(0.9).Expect(3);
        t.At("10:01").Current(3).Metric(0.2).Expect(3);
        t.At("10:02").Metric(0.2).Expect(1);
    }
}
