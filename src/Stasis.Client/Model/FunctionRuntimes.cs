namespace Stasis.Client.Model;

/// <summary>FC's runtime names as Stasis runs them: an image (<c>custom-container</c>) or a custom runtime from code.</summary>
public static class FunctionRuntimes
{
    public const string CustomContainer = "custom-container";

    /// <summary>What FC runs when a custom runtime gives no <c>customRuntimeConfig.command</c>: this file in the code.</summary>
    public const string Bootstrap = "bootstrap";

    /// <summary><c>custom</c>, <c>custom.debian10</c>, <c>custom.debian11</c>, …: a program from the code, not an image.</summary>
    public static bool IsCustom(string? runtime) =>
        runtime is not null && runtime != CustomContainer && runtime.StartsWith("custom", StringComparison.Ordinal);

    /// <summary>Whether the spec starts FC's default <c>bootstrap</c>: a custom runtime with code and no command or image.</summary>
    public static bool StartsBootstrap(FunctionSpec spec) =>
        IsCustom(spec.Runtime)
        && spec.CustomContainerConfig is not { Entrypoint.Count: > 0 } and not { Command.Count: > 0 }
        && string.IsNullOrEmpty(spec.CustomContainerConfig?.Image)
        && !string.IsNullOrEmpty(spec.Code);

    /// <summary>Whether <paramref name="path"/> names a zip archive by its name (FC's code packages are zips).</summary>
    public static bool IsZip(string path) => path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase);
}
