using Stasis.Client.Model;

namespace Stasis.Server.Instances;

/// <summary>The instances' history, a port of the core: what ended (for <c>instances --all</c>) and what a server left running.</summary>
internal interface IInstanceHistory
{
    /// <summary>Instances recorded as live that never recorded an end: what an earlier server left.</summary>
    IReadOnlyList<(string Id, string Function, int? Pid)> Unfinished();

    /// <summary>The function's ended instances, newest first.</summary>
    IReadOnlyList<InstanceInfo> Ended(string function, int limit);

    /// <summary>An unfinished instance was stopped by a later server: it ended at <paramref name="at"/>.</summary>
    void MarkAbandoned(string id, DateTimeOffset at);
}
