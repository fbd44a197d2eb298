using Stasis.Client.Model;
using Stasis.Client.Specs;

namespace Stasis.Server.Functions;

/// <summary>Server-side checks of a spec arriving through the REST API: the same rules the CLI applies to s.yaml.</summary>
internal static class FunctionValidation
{
    public static List<string> Validate(FunctionSpec spec)
    {
        var errors = FunctionSpecValidator.Validate(spec).Select(e => $"{e.Field}: {e.Message}").ToList();
        if (spec.ProvisionConfig is { } provision && ProvisionConfigJson.Check(provision) is { } problem)
        {
            errors.Add($"provisionConfig: {problem}");
        }

        if (spec.CustomContainerConfig?.Image is { Length: > 0 } image && Images.ImageReference.Normalize(image, out var imageProblem) is null)
        {
            errors.Add($"customContainerConfig.image: {imageProblem}");
        }

        return errors;
    }

    public static FunctionSpec Normalize(FunctionSpec spec) => FunctionSpecNormalizer.Normalize(spec);

    /// <summary>
    /// What the spec's image means here (docs/images.md): null when it runs (the image is in the store, or it has
    /// none); a notice when the store lacks it and the spec's command runs instead; the refusal when it names
    /// only an image the store lacks.
    /// </summary>
    public static Images.ImageException? CheckImage(FunctionSpec spec, Images.ImageStore images, List<string> notices)
    {
        var container = spec.CustomContainerConfig;
        if (container?.Image is not { Length: > 0 } reference)
        {
            return null;
        }

        if (images.Find(reference) is not null)
        {
            return images.Problem is { } missing
                ? new Images.ImageException(503, "ImageToolsMissing", $"function '{spec.FunctionName}' runs an image, and images cannot run on this server: {missing}.")
                : null;
        }

        var hasCommand = (container.Entrypoint is { Count: > 0 } || container.Command is { Count: > 0 }) && !string.IsNullOrEmpty(spec.Code);
        if (!hasCommand)
        {
            // 400, not 404: the function is what the request names, and it is the spec that cannot be deployed.
            return new Images.ImageException(400, "ImageNotFound", 
                $"function '{spec.FunctionName}' names only the image '{reference}', which is not in the server's store: load it with `stasis images load FILE` or pull it with `stasis images pull {reference}`, or give customContainerConfig.command and code to run from code.");
        }

        notices.Add($"image {reference} is not in the server's store: function '{spec.FunctionName}' runs its command from its code (sandboxed, with the host's system directories); load or pull the image to run it instead.");
        return null;
    }
}
