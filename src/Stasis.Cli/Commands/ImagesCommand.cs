using System.CommandLine;
using Stasis.Cli.Output;
using Stasis.Client.Model;

namespace Stasis.Cli.Commands;

/// <summary><c>stasis images load|pull|list|remove</c>: the server's container images (docs/images.md).</summary>
internal static class ImagesCommand
{
    public const string Name = "images";

    // Loading or pulling a large image takes minutes; the API's usual bound is for quick calls.
    private static readonly TimeSpan TransferTimeout = TimeSpan.FromMinutes(30);

    public static Command Create(CliEnvironment env, GlobalOptions global) =>
        new(Name, "Manage the server's container images: what functions with customContainerConfig.image run")
        {
            Load(env, global),
            Pull(env, global),
            List(env, global),
            Remove(env, global),
        };

    private static Command Load(CliEnvironment env, GlobalOptions global)
    {
        var file = new Argument<string>("FILE") { Description = "An OCI archive (skopeo copy ... oci-archive:FILE) or a docker save tarball, on the server's machine" };
        var reference = new Option<string?>("--reference", "-t")
        {
            Description = "The reference to name it by, as s.yaml's image gives it (default: the archive's own)",
            HelpName = "REGISTRY/NS/REPO:TAG",
        };
        var command = new Command("load", "Load an image from an archive into the server's store") { file, reference };
        CommandAction.Set(command, env, global, async (ctx, parse, ct) =>
        {
            ctx.Client.RequestTimeout = TransferTimeout;
            var path = Path.GetFullPath(parse.GetValue(file)!);
            var image = await ctx.Client.LoadImageAsync(path, parse.GetValue(reference), ct).ConfigureAwait(false);
            Report(ctx, image, "loaded");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Pull(CliEnvironment env, GlobalOptions global)
    {
        var reference = new Argument<string>("REFERENCE") { Description = "The image, e.g. registry.cn-hangzhou.aliyuncs.com/ns/app:v1" };
        var tlsVerify = new Option<bool>("--tls-verify")
        {
            Description = "Require HTTPS and a trusted certificate (--tls-verify=false for a registry on plain HTTP)",
            DefaultValueFactory = _ => true,
        };
        var command = new Command("pull", "Pull an image from a registry the server can reach, with the credentials of its auth.json") { reference, tlsVerify };
        CommandAction.Set(command, env, global, async (ctx, parse, ct) =>
        {
            ctx.Client.RequestTimeout = TransferTimeout;
            var image = await ctx.Client.PullImageAsync(parse.GetValue(reference)!, parse.GetValue(tlsVerify), ct).ConfigureAwait(false);
            Report(ctx, image, "pulled");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command List(CliEnvironment env, GlobalOptions global)
    {
        var command = new Command("list", "List the images in the server's store");
        command.Aliases.Add("ls");
        CommandAction.Set(command, env, global, async (ctx, _, ct) =>
        {
            var images = await ctx.Client.ListImagesAsync(ct).ConfigureAwait(false);
            if (ctx.Json)
            {
                ctx.WriteJson(images);
                return ExitCodes.Success;
            }

            TableWriter.Write(ctx.Console, new TableData(
                ["REFERENCE", "DIGEST", "PLATFORM", "SIZE", "ADDED", "USED BY"],
                images.OrderBy(i => i.References.FirstOrDefault(), StringComparer.Ordinal).SelectMany(i =>
                    (i.References.Count == 0 ? [Humanize.None] : i.References).Select(r => (IReadOnlyList<string>)
                    [
                        r, Humanize.Digest(i.Digest), i.Platform, MetricsViews.Bytes(i.SizeBytes), Humanize.Ago(i.AddedAt, ctx.Now),
                        i.UsedBy.Count == 0 ? Humanize.None : string.Join(", ", i.UsedBy),
                    ])).ToList()), "no images: load one with `stasis images load FILE` or pull one with `stasis images pull REFERENCE`");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Remove(CliEnvironment env, GlobalOptions global)
    {
        var reference = new Argument<string>("IMAGE") { Description = "A reference (removes that name; the image goes with its last) or a digest (removes the image)" };
        var command = new Command("remove", "Remove an image from the server's store (refused while a function runs it)") { reference };
        command.Aliases.Add("rm");
        CommandAction.Set(command, env, global, async (ctx, parse, ct) =>
        {
            var image = await ctx.Client.RemoveImageAsync(parse.GetValue(reference)!, ct).ConfigureAwait(false);
            if (ctx.Json)
            {
                ctx.WriteJson(image);
            }
            else
            {
                ctx.Out.WriteLine($"removed {parse.GetValue(reference)} ({Humanize.Digest(image.Digest)})");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static void Report(CommandContext ctx, ImageInfo image, string verb)
    {
        if (ctx.Json)
        {
            ctx.WriteJson(image);
            return;
        }

        ctx.Out.WriteLine($"{verb} {string.Join(", ", image.References)} ({image.Digest}, {image.Platform}, {MetricsViews.Bytes(image.SizeBytes)})");
        var start = string.Join(' ', image.Entrypoint.Concat(image.Cmd));
        ctx.Out.WriteLine($"  runs {(start.Length == 0 ? "(no entrypoint or cmd: give customContainerConfig.command)" : start)}"
            + (string.IsNullOrEmpty(image.WorkingDir) ? "" : $" in {image.WorkingDir}")
            + (string.IsNullOrEmpty(image.User) ? "" : $" as {image.User}")
            + (image.ExposedPorts.Count == 0 ? "" : $"; exposes {string.Join(", ", image.ExposedPorts)} (set customContainerConfig.port to the one it listens on)"));
    }
}
