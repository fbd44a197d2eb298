namespace Stasis.Server.Scheduling;

/// <summary>What state the instance was in when a request reached it (x-stasis-instance-state).</summary>
internal enum Arrival
{
    /// <summary>A ready instance took it at once.</summary>
    Warm,
    /// <summary>The instance was frozen and was thawed for it.</summary>
    Thawed,
    /// <summary>It waited for a new instance to start.</summary>
    Cold,
}

internal static class ArrivalNames
{
    /// <summary>The arrival as the API and the x-stasis-instance-state header name it: warm, thawed or cold.</summary>
    public static string Name(this Arrival arrival) => arrival switch
    {
        Arrival.Thawed => "thawed",
        Arrival.Cold => "cold",
        _ => "warm",
    };
}
