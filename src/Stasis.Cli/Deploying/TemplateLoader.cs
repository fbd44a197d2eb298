using Stasis.Client.Specs;

namespace Stasis.Cli.Deploying;

/// <summary>Reads an s.yaml into a <see cref="Template"/> with <see cref="SYamlLoader"/>.</summary>
internal static class TemplateLoader
{
    /// <param name="requireRunnable">false reads the functions' settings without requiring that they can start here (simulate).</param>
    public static Template Load(string path, Func<string, string?> variables, bool requireRunnable = true)
    {
        if (!File.Exists(path))
        {
            throw new UsageException(Directory.Exists(path)
                ? $"{path} is a directory; pass the s.yaml inside it with -t FILE"
                : $"no such file: {path} (pass the s.yaml with -t FILE)");
        }

        SYamlDocument document;
        try
        {
            document = SYamlLoader.Load(path, variables, requireRunnable);
        }
        catch (SpecException e)
        {
            // Its message already lists every problem with file:line:column, one per line.
            throw new CliException(e.Message, ExitCodes.Failure, e);
        }

        return new Template(
            path,
            document.Resources.Select(r => new TemplateResource(r.ResourceKey, r.Spec, r.Warnings)).ToList(),
            document.Warnings) { Skipped = document.Skipped };
    }
}
