using Stasis.Client.Auth;

namespace Stasis.Cli;

/// <summary>After a 401 or 403 from the server: which key was used, and how to give the CLI one (docs/security.md).</summary>
internal static class CredentialHints
{
    public static void Explain(CommandContext context, int status)
    {
        if (status is not (401 or 403))
        {
            return;
        }

        StasisCredentials? credentials;
        try
        {
            credentials = context.Credentials;
        }
        catch (CliException)
        {
            credentials = null;
        }

        if (status == 403 && credentials is not null)
        {
            context.Messages.Note($"the request was signed with {credentials.Key.Id} (from {credentials.Source}); use a key whose scope allows it: --profile NAME or {StasisCredentials.AccessKeyVariable}.");
            return;
        }

        context.Messages.Note(credentials is null
            ? $"this server requires an access key and none is set up: set {StasisCredentials.AccessKeyVariable}=<id>.<secret>, or put 'access_key = <id>.<secret>' under [default] in {StasisCredentials.DefaultFile} ({StasisCredentials.FileVariable} moves it; --profile or {StasisCredentials.ProfileVariable} picks another section). An admin makes keys with `stasis keys create`; see docs/security.md."
            : $"the request was signed with {credentials.Key.Id} (from {credentials.Source}); the server did not accept it: the key may be revoked or mistyped, or this machine's clock may be off.");
    }
}
