namespace Stasis.Client.Specs;

/// <summary>
/// One rule a <see cref="Model.FunctionSpec"/> breaks. <paramref name="Field"/> is the prop's path in FC's
/// camelCase (<c>customContainerConfig.port</c>, <c>triggers[0].triggerConfig.methods</c>) so that both the
/// REST API and the s.yaml loader can point at it; <paramref name="Message"/> says what to fix. <paramref name="Kind"/>
/// and <paramref name="Subject"/> mark a problem that a file may have many times over (<see cref="SpecErrorKinds"/>), so
/// that the loader can say it once.
/// </summary>
public sealed record SpecError(string Field, string Message, string? Kind = null, string? Subject = null)
{
    public override string ToString() => $"{Field}: {Message}";
}

/// <summary>Problems an s.yaml may repeat in every resource or field, which the loader reports as one (<see cref="SpecErrorSummary"/>).</summary>
public static class SpecErrorKinds
{
    /// <summary>FC's built-in language runtime (subject: the runtime): nothing else about the resource matters until it changes.</summary>
    public const string BuiltInRuntime = "BuiltInRuntime";

    /// <summary>A <c>${env('X')}</c> with X unset and no default (subject: the variable).</summary>
    public const string UnsetVariable = "UnsetVariable";

    /// <summary>A <c>${name.…}</c> whose name Serverless Devs does not define (subject: the expression).</summary>
    public const string UnknownNamespace = "UnknownNamespace";
}
