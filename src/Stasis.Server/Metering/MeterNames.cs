namespace Stasis.Server.Metering;

/// <summary>How kinds and states are spelled in the store and the API (camelCase, as the API's JSON enums).</summary>
internal static class MeterNames
{
    public const string OnDemand = "onDemand";
    public const string Provisioned = "provisioned";
    public const string Active = "active";
    public const string Idle = "idle";

    public static string Of(InstanceKind kind) => kind == InstanceKind.Provisioned ? Provisioned : OnDemand;

    public static string Of(MeterState state) => state == MeterState.Idle ? Idle : Active;

    public static InstanceKind Kind(string text) => text switch
    {
        Provisioned => InstanceKind.Provisioned,
        OnDemand => InstanceKind.OnDemand,
        _ => throw new InvalidDataException($"meter: unknown instance kind '{text}' in the store"),
    };

    public static MeterState State(string text) => text switch
    {
        Active => MeterState.Active,
        Idle => MeterState.Idle,
        _ => throw new InvalidDataException($"meter: unknown billing state '{text}' in the store"),
    };
}
