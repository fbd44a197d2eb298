using Stasis.Server.Images;

namespace Stasis.Server.Runtime.Sandbox;

/// <summary>
/// An image instance checked before anything is made for it: its root file system unpacked for the
/// function's ids, its user found in the image, its working directory one that user may enter, its
/// program present and executable; else a message that says which and what to fix.
/// </summary>
internal sealed record ImageStart(string Rootfs, long Uid, long Gid, string WorkingDirectory, bool HasShell)
{
    public static async Task<ImageStart> PrepareAsync(ImageLaunch image, InstanceLaunch launch, UidRange ids,
        IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        string rootfs;
        try
        {
            rootfs = await image.Rootfs(ids, cancellationToken).ConfigureAwait(false);
        }
        catch (ImageException e)
        {
            throw new InstanceStartException($"Image {image.Reference} of function '{launch.FunctionName}' cannot run: {e.Message}", null, e);
        }

        var what = $"image {image.Reference} ({ImageReference.Short(image.Digest)}) of function '{launch.FunctionName}'";
        if (ImageRootfs.User(rootfs, image.User, out var problem) is not { } user)
        {
            throw new InstanceStartException($"The user of {what} cannot be used: {problem}; set the image's User to an account it has (or a numeric uid).");
        }

        var cwd = string.IsNullOrEmpty(image.WorkingDirectory) ? "/" : image.WorkingDirectory;
        if (ImageRootfs.Resolve(rootfs, cwd) is { } dir && Directory.Exists(dir) && !ImageRootfs.CanEnter(dir, user.Uid, user.Gid, ids))
        {
            throw new InstanceStartException(
                $"The user {Describe(image.User, user)} of {what} cannot read its working directory {cwd}; make it readable by that user in the image (chown or chmod in its build), or run as another user.");
        }

        if (launch.Argv.Count == 0)
        {
            throw new InstanceStartException($"The {what} has no Entrypoint or Cmd, and the function sets no customContainerConfig.entrypoint or command: give one of them.");
        }

        var path = environment.GetValueOrDefault("PATH") ?? OciBundle.DefaultPath;
        if (ImageRootfs.FindExecutable(rootfs, launch.Argv[0], cwd, path) is null)
        {
            var where = launch.Argv[0].Contains('/', StringComparison.Ordinal) ? "" : $" in its PATH ({path})";
            throw new InstanceStartException(
                $"The program '{launch.Argv[0]}' that {what} starts does not exist{where} or is not executable in the image; fix customContainerConfig.entrypoint/command or the image's Entrypoint/Cmd.");
        }

        var shell = ImageRootfs.FindExecutable(rootfs, "/bin/sh", "/", path) is not null;
        return new ImageStart(rootfs, user.Uid, user.Gid, cwd, shell);
    }

    private static string Describe(string given, (long Uid, long Gid) user) =>
        string.IsNullOrEmpty(given) ? "root" : $"'{given}' (uid {user.Uid}, gid {user.Gid})";
}
