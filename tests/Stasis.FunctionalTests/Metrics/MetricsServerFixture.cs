using Stasis.Server.Hosting;

namespace Stasis.FunctionalTests.Metrics;

/// <summary>A real server whose metrics intervals close every second, so tests see points soon.</summary>
public sealed class MetricsServerFixture : ServerFixture
{
    protected override StasisServerOptions Configure(StasisServerOptions options) => options with { MetricsInterval = TimeSpan.FromSeconds(1) };
}
