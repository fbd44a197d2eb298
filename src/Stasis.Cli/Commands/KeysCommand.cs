using System.CommandLine;
using Stasis.Cli.Output;
using Stasis.Client.Model;

namespace Stasis.Cli.Commands;

/// <summary><c>stasis keys create|list|revoke</c>: the server's access keys (docs/security.md); an admin key manages them.</summary>
internal static class KeysCommand
{
    public const string Name = "keys";

    public static Command Create(CliEnvironment env, GlobalOptions global) =>
        new(Name, "Manage access keys: who may call the control API, /metrics and function-auth triggers")
        {
            CreateKey(env, global),
            List(env, global),
            Revoke(env, global),
        };

    private static Command CreateKey(CliEnvironment env, GlobalOptions global)
    {
        var name = new Option<string>("--name") { Description = "What the key is for (ci, grafana, ...)", HelpName = "NAME", Required = true };
        var scope = new Option<string>("--scope")
        {
            // No default: a key gets the least it needs only if whoever creates it has to say what that is.
            Description = "What the key may do (required): admin: everything; read: GET on the API and /metrics; invoke:FUNCTION: that function's function-auth triggers",
            HelpName = "admin|read|invoke:FUNCTION",
            Required = true,
        };
        var command = new Command("create", "Create an access key and print its token, which is shown only this once") { name, scope };
        CommandAction.Set(command, env, global, async (ctx, parse, ct) =>
        {
            var key = await ctx.Client.CreateKeyAsync(parse.GetValue(name)!, parse.GetValue(scope)!, ct).ConfigureAwait(false);
            if (ctx.Json)
            {
                ctx.WriteJson(key);
            }
            else
            {
                foreach (var line in KeyViews.Created(key))
                {
                    ctx.Out.WriteLine(line);
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command List(CliEnvironment env, GlobalOptions global)
    {
        var command = new Command("list", "List access keys (never their secrets)");
        command.Aliases.Add("ls");
        CommandAction.Set(command, env, global, async (ctx, _, ct) =>
        {
            var keys = await ctx.Client.ListKeysAsync(ct).ConfigureAwait(false);
            if (ctx.Json)
            {
                ctx.WriteJson(keys);
            }
            else
            {
                TableWriter.Write(ctx.Console, KeyViews.List(keys, ctx.Now), "no access keys");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Revoke(CliEnvironment env, GlobalOptions global)
    {
        var id = new Argument<string>("ID") { Description = "The key's id (AK...), as `stasis keys list` shows it" };
        var command = new Command("revoke", "Revoke an access key: from the next request on it is refused") { id };
        CommandAction.Set(command, env, global, async (ctx, parse, ct) =>
        {
            var key = await ctx.Client.RevokeKeyAsync(parse.GetValue(id)!, ct).ConfigureAwait(false);
            if (ctx.Json)
            {
                ctx.WriteJson(key);
            }
            else
            {
                ctx.Out.WriteLine($"revoked {key.Id} ({key.Name}, scope {key.Scope})");
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
