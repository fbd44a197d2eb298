namespace Stasis.Server.Metering;

/// <summary>A meter that records nothing, for hosts and tests that do not bill.</summary>
internal sealed class NullMeter : IInstanceMeter
{
    public static readonly NullMeter Instance = new();

    public void Started(MeteredInstance instance, DateTimeOffset at)
    {
    }

    public void Changed(string instanceId, MeterState state, DateTimeOffset at)
    {
    }

    public void Ended(string instanceId, DateTimeOffset at)
    {
    }
}
