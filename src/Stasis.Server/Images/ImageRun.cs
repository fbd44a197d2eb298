using Stasis.Client.Model;
using Stasis.Server.Runtime;

namespace Stasis.Server.Images;

/// <summary>
/// What <c>customContainerConfig.image</c> means (docs/images.md): a spec whose image is in the store runs
/// it; one whose image is not runs its entrypoint/command from its code (as before images), and one with
/// only an image that is not in the store is refused at deploy.
/// </summary>
internal static class ImageRun
{
    /// <summary>The stored image the spec runs, or null when it runs a command (no image, or one the store lacks).</summary>
    public static ImageRecord? Find(FunctionSpec spec, ImageStore? images) =>
        spec.CustomContainerConfig?.Image is { Length: > 0 } reference && images is not null ? images.Find(reference) : null;

    /// <summary>
    /// Fills <paramref name="argv"/> and <paramref name="environment"/> as FC runs an image: the spec's
    /// <c>entrypoint</c> replaces the image's Entrypoint (and its Cmd, as docker and Kubernetes do), its
    /// <c>command</c> replaces the image's Cmd; the image's Env comes first, the function's variables over it.
    /// </summary>
    public static ImageLaunch Launch(FunctionSpec spec, ImageRecord image, ImageStore store, List<string> argv, Dictionary<string, string> environment)
    {
        var container = spec.CustomContainerConfig!;
        var entrypoint = container.Entrypoint is { Count: > 0 } e ? e : image.Config.Entrypoint;
        var command = container.Command is { Count: > 0 } c ? c
            : container.Entrypoint is { Count: > 0 } ? []
            : image.Config.Cmd;
        argv.AddRange(entrypoint);
        argv.AddRange(command);
        foreach (var pair in image.Config.Env)
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                environment[pair[..eq]] = pair[(eq + 1)..];
            }
        }

        var digest = image.Digest;
        return new ImageLaunch
        {
            Reference = container.Image!,
            Digest = digest,
            User = image.Config.User,
            WorkingDirectory = string.IsNullOrEmpty(image.Config.WorkingDir) ? "/" : image.Config.WorkingDir,
            Rootfs = (ids, ct) => store.RootfsAsync(digest, ids, ct),
        };
    }
}
