using Stasis.Server.Runtime.Sandbox;

namespace Stasis.Server.Runtime;

/// <summary>What an instance of an image function runs: the image, and how it runs inside it (docs/images.md).</summary>
public sealed record ImageLaunch
{
    /// <summary>The reference the spec names, as s.yaml gives it.</summary>
    public required string Reference { get; init; }
    /// <summary>The manifest digest it resolved to when the instance was launched.</summary>
    public required string Digest { get; init; }
    /// <summary>The image's <c>User</c>: empty (root), <c>name</c>, <c>uid</c>, <c>name:group</c> or <c>uid:gid</c>, resolved in the image.</summary>
    public string User { get; init; } = "";
    /// <summary>The working directory inside (the image's <c>WorkingDir</c>, else <c>/</c>).</summary>
    public string WorkingDirectory { get; init; } = "/";
    /// <summary>The image's root file system unpacked for the function's ids (the first call may unpack it).</summary>
    internal Func<UidRange, CancellationToken, Task<string>> Rootfs { get; init; } =
        (_, _) => throw new InvalidOperationException("the image launch names no root file system");
}
