namespace Stasis.Client.Specs;

/// <summary>
/// One rule a <see cref="Model.FunctionSpec"/> breaks. <paramref name="Field"/> is the prop's path in FC's
/// camelCase (<c>customContainerConfig.port</c>, <c>triggers[0].triggerConfig.methods</c>) so that both the
/// REST API and the s.yaml loader can point at it; <paramref name="Message"/> says what to fix.
/// </summary>
public sealed record SpecError(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}
