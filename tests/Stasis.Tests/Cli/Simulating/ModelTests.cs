using Stasis.Cli;
using Stasis.Cli.Simulating;
using Stasis.Server.Simulation;

namespace Stasis.Tests.Cli.Simulating;

/// <summary>The service-time models, the cold-start, initialize and thaw distributions, and the presets.</summary>
public sealed class ModelTests
{
    [Theory]
    [InlineData("fixed:120", 120)]
    [InlineData("FIXED: 0.5", 0.5)]
    [InlineData("fixed:1.5s", 1500)]
    [InlineData("fixed:250ms", 250)]
    public void Fixed_TakesMillisecondsOrADuration(string text, double ms) =>
        Assert.Equal(new ServiceModel.Fixed(ms), ServiceModel.Parse(text));

    [Fact]
    public void Linear_TakesThreeCoefficients()
    {
        var model = Assert.IsType<ServiceModel.Linear>(ServiceModel.Parse("linear:200, 0.02, 20"));

        Assert.Equal(new ServiceModel.Linear(200, 0.02, 20), model);
        Assert.Equal(200 + (0.02 * 1000) + (20 * 10), model.Compute(1000, 10));
        Assert.Equal("200 ms + 0.02 ms × context tokens + 20 ms × generated tokens", model.Describe());
    }

    [Fact]
    public void Column_IsItsOwnModel() => Assert.IsType<ServiceModel.Column>(ServiceModel.Parse("column"));

    [Fact]
    public void LlmDefault_IsStated() =>
        Assert.Equal("100 ms + 0.2 ms × context tokens + 20 ms × generated tokens", ServiceModel.LlmDefault.Describe());

    [Theory]
    [InlineData("fixed:-5", "--service-model 'fixed:-5': a service time cannot be negative")]
    [InlineData("linear:1,-0.5,2", "--service-model 'linear:1,-0.5,2': B is -0.5; coefficients cannot be negative")]
    [InlineData("linear:NaN,1,1", "--service-model 'linear:NaN,1,1': A 'NaN' is not a finite number")]
    [InlineData("linear:1,Infinity,1", "--service-model 'linear:1,Infinity,1': B 'Infinity' is not a finite number")]
    [InlineData("fixed:NaN", "--service-model 'fixed:NaN': 'NaN' is not a finite number of milliseconds")]
    [InlineData("linear:1,2", "--service-model 'linear:1,2': linear takes three numbers A,B,C (ms, ms per context token, ms per generated token), not 2")]
    [InlineData("fixed:soon", "--service-model 'fixed:soon': 'soon' is neither milliseconds nor a duration like 120ms or 1.5s")]
    [InlineData("gamma:1,2", "--service-model 'gamma:1,2' is not a service-time model: " + ServiceModel.Usage)]
    [InlineData("fixed", "--service-model 'fixed' is not a service-time model: " + ServiceModel.Usage)]
    public void BadModels_AreUsageErrors(string text, string message)
    {
        var e = Assert.Throws<UsageException>(() => ServiceModel.Parse(text));
        Assert.Equal(message, e.Message);
        Assert.Equal(ExitCodes.Usage, e.ExitCode);
    }

    [Theory]
    [InlineData("2s", 2000, 2000)]
    [InlineData("500ms..1s", 500, 1000)]
    [InlineData(" 1ms .. 5ms ", 1, 5)]
    [InlineData("0", 0, 0)]
    [InlineData("1.5", 1500, 1500)]
    public void Distribution_FixedOrUniformRange(string text, double min, double max) =>
        Assert.Equal(new TimeDistribution(min, max), Distributions.Parse(text, "--cold-start"));

    [Theory]
    [InlineData("-2s", "--thaw '-2s': a duration cannot be negative")]
    [InlineData("1s..-1s", "--thaw '1s..-1s': a duration cannot be negative")]
    [InlineData("2s..1s", "--thaw '2s..1s': the range starts after it ends; write MIN..MAX, e.g. 500ms..1s")]
    [InlineData("fast", "--thaw 'fast': 'fast' is not a duration; use e.g. 300ms, 2s, or a range 500ms..1s")]
    [InlineData("", "--thaw needs a duration like 2s or a range like 500ms..1s")]
    public void BadDistribution_IsAUsageError(string text, string message) =>
        Assert.Equal(message, Assert.Throws<UsageException>(() => Distributions.Parse(text, "--thaw")).Message);

    [Theory]
    [InlineData(3000, 3000, "3s")]
    [InlineData(500, 1000, "500ms..1s")]
    [InlineData(1, 1, "1ms")]
    [InlineData(0.5, 0.5, "0.5ms")]
    public void Distribution_FormatsAsItIsWritten(double min, double max, string text) =>
        Assert.Equal(text, Distributions.Format(new TimeDistribution(min, max)));

    [Theory]
    [InlineData("nlp", 500, 1000)]
    [InlineData("ocr", 500, 1000)]
    [InlineData("sd", 2000, 2000)]
    [InlineData("LLM", 3000, 3000)]
    public void Presets_AreTheSeedsActivationTimes(string name, double min, double max)
    {
        var preset = WorkloadPreset.Find(name);

        Assert.Equal(new TimeDistribution(min, max), preset.ColdStart);
        Assert.Contains("seed", preset.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Preset_Unknown_IsAUsageError() =>
        Assert.Equal("--preset 'bert' is not a preset; use nlp, ocr, sd, llm", Assert.Throws<UsageException>(() => WorkloadPreset.Find("bert")).Message);

    [Fact]
    public void Defaults_ThawIsOneMillisecond_InitializeNothing_ColdStartNlp()
    {
        Assert.Equal(TimeDistribution.Fixed(1), WorkloadPreset.DefaultThaw);
        Assert.Equal(TimeDistribution.Fixed(0), WorkloadPreset.DefaultInitialize);
        Assert.Equal("nlp", WorkloadPreset.Default.Name);
    }

    [Theory]
    [InlineData(57 * 60, 30)]
    [InlineData(3600, 30)]
    [InlineData(60, 1)]
    [InlineData(0, 1)]
    [InlineData(24 * 3600, 900)]
    public void TimelineStep_IsARoundStepOfAbout120Points(int spanSeconds, int stepSeconds) =>
        Assert.Equal(TimeSpan.FromSeconds(stepSeconds), TimelineSteps.For(TimeSpan.FromSeconds(spanSeconds)));
}
