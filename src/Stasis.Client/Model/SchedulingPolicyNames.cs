namespace Stasis.Client.Model;

/// <summary>The placement policies a function may name in <c>schedulingPolicy</c>.</summary>
public static class SchedulingPolicyNames
{
    public const string JoinIdleQueue = "join-idle-queue";
    public const string LeastOutstanding = "least-outstanding";
    public const string PowerOfTwoChoices = "power-of-two-choices";
    public const string Random = "random";
    public const string RoundRobin = "round-robin";

    /// <summary>The default, and the one the seed describes: a free slot takes the head of one shared queue.</summary>
    public const string Default = JoinIdleQueue;

    public static IReadOnlyList<string> All { get; } = [JoinIdleQueue, LeastOutstanding, PowerOfTwoChoices, Random, RoundRobin];

    public static bool IsKnown(string? name) => name is not null && All.Contains(name, StringComparer.Ordinal);
}
