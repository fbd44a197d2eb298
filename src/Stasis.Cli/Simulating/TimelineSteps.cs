namespace Stasis.Cli.Simulating;

/// <summary>The timeline's default resolution: the smallest round step that gives at most about 120 points over the run.</summary>
internal static class TimelineSteps
{
    public const int TargetPoints = 120;

    private static readonly int[] StepSeconds = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];

    public static TimeSpan For(TimeSpan span)
    {
        var wanted = span.TotalSeconds / TargetPoints;
        foreach (var seconds in StepSeconds)
        {
            if (seconds >= wanted)
            {
                return TimeSpan.FromSeconds(seconds);
            }
        }

        return TimeSpan.FromSeconds(Math.Ceiling(wanted / 86400) * 86400);
    }
}
