using Stasis.Cli.Deploying;
using Stasis.Client.Model;

namespace Stasis.Tests.Cli;

public sealed class RolloutTests
{
    [Fact]
    public void SettledMeansNothingStartingAndNothingOutdated()
    {
        Assert.True(Rollout.IsSettled(Fixtures.Function("f", new InstanceCounts { Ready = 2, Failed = 1 })));
        Assert.False(Rollout.IsSettled(Fixtures.Function("f", new InstanceCounts { Starting = 1 })));
        Assert.False(Rollout.IsSettled(Fixtures.Function("f", new InstanceCounts { Ready = 1, Outdated = 1 })));
    }

    [Fact]
    public void AFailedRolloutStopsTheWaitOnceNothingIsStarting()
    {
        var failing = Fixtures.Function("f", new InstanceCounts { Ready = 1, Outdated = 1 }) with { RolloutError = "exit 1" };
        Assert.True(Rollout.IsStuck(failing));
        Assert.True(Rollout.IsDone(failing));
        Assert.False(Rollout.IsSettled(failing));

        var retrying = failing with { Instances = new InstanceCounts { Starting = 1, Outdated = 1 } };
        Assert.False(Rollout.IsDone(retrying));
    }

    [Fact]
    public void WaitIsBoundedByTheSlowestInitializerPlusSlack()
    {
        var slow = new FunctionSpec { InstanceLifecycleConfig = new() { Initializer = new() { Handler = "init", Timeout = 120 } } };
        Assert.Equal(TimeSpan.FromSeconds(150), Rollout.WaitBound([new FunctionSpec(), slow]));
        Assert.Equal(TimeSpan.FromSeconds(FunctionDefaults.InitializerTimeoutSeconds + 30), Rollout.WaitBound([new FunctionSpec()]));
        Assert.Equal(TimeSpan.FromSeconds(FunctionDefaults.InitializerTimeoutSeconds + 30), Rollout.WaitBound([]));
    }

    [Fact]
    public void DescribesOnlyFunctionsStillRollingOut()
    {
        var text = Rollout.Describe(
        [
            Fixtures.Function("a", new InstanceCounts { Starting = 1, Outdated = 2, Ready = 1 }),
            Fixtures.Function("b", new InstanceCounts { Ready = 3 }),
        ]);
        Assert.Equal("a 1 starting, 2 outdated, 1 ready", text);
    }

    [Fact]
    public void ServerWarningsAboutWhatTheLoaderReportedAreNotRepeated()
    {
        string[] loader = ["echo.props.somethingElse (line 19) is not used by Stasis and was kept"];
        Assert.True(Deployer.SaidAlready("props.somethingElse is not used by Stasis and was kept", loader));
        Assert.False(Deployer.SaidAlready("cpu limits are not applied on this host", loader));
    }
}
