using System.CommandLine;
using System.Globalization;
using Stasis.Cli.Hosting;

namespace Stasis.Cli.Commands;

/// <summary>
/// <c>stasis store backup FILE</c> and <c>stasis store check</c>: a consistent copy of the store taken while the server
/// runs, and SQLite's full integrity check (docs/reliability.md, "A damaged store"). Both read the store file of
/// <c>--data</c> directly, so they run on the server's machine, as a user who can read its data directory.
/// </summary>
internal static class StoreCommand
{
    public const string Name = "store";

    public static Command Create(CliEnvironment env, GlobalOptions global)
    {
        var command = new Command(Name, "Back up or check the server's store (the SQLite file in its data directory)");
        command.Add(Backup(env, global));
        command.Add(Check(env, global));
        return command;
    }

    private static Option<string> DataOption() => new("--data")
    {
        Description = "The server's data directory",
        HelpName = "DIR",
        DefaultValueFactory = _ => ServerSettings.DefaultDataDirectory,
    };

    private static Command Backup(CliEnvironment env, GlobalOptions global)
    {
        var file = new Argument<string>("FILE") { Description = "Where to write the copy (a new file; made 0600)" };
        var data = DataOption();
        var command = new Command("backup", "Copy the store, consistently, while the server runs (SQLite's online backup)") { file, data };
        CommandAction.Set(command, env, global, (ctx, parse, _) =>
        {
            var result = Run(() => Stasis.Server.Storage.StoreTools.Backup(parse.GetValue(data)!, parse.GetValue(file)!));
            if (ctx.Json)
            {
                ctx.WriteJson(new { file = result.File, bytes = result.Bytes, seconds = result.Took.TotalSeconds });
            }
            else
            {
                ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"backed up to {result.File} ({result.Bytes / 1048576.0:0.0} MB in {result.Took.TotalSeconds:0.0} s)"));
                ctx.Messages.Note($"access keys in it are sealed with the server key ({Path.Combine(Path.GetFullPath(parse.GetValue(data)!), Stasis.Server.Security.ServerKey.FileName)} unless --server-key says otherwise), which is not in the backup: keep a copy of it apart");
            }

            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    private static Command Check(CliEnvironment env, GlobalOptions global)
    {
        var data = DataOption();
        var command = new Command("check", "Check every page and index of the store (SQLite's integrity_check); exit code 1 when it is damaged") { data };
        CommandAction.Set(command, env, global, (ctx, parse, _) =>
        {
            var result = Run(() => Stasis.Server.Storage.StoreTools.Check(parse.GetValue(data)!));
            if (ctx.Json)
            {
                ctx.WriteJson(new { store = result.Store, bytes = result.Bytes, ok = result.Ok, problems = result.Ok ? [] : result.Problems, seconds = result.Took.TotalSeconds });
            }
            else if (result.Ok)
            {
                ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{result.Store}: ok ({result.Bytes / 1048576.0:0.0} MB checked in {result.Took.TotalSeconds:0.0} s)"));
            }
            else
            {
                ctx.Out.WriteLine($"{result.Store}: damaged");
                foreach (var problem in result.Problems)
                {
                    ctx.Out.WriteLine("  " + problem);
                }

                ctx.Messages.Note($"restore a backup: {result.Remedy}");
            }

            return Task.FromResult(result.Ok ? ExitCodes.Success : ExitCodes.Failure);
        });
        return command;
    }

    private static T Run<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Stasis.Server.Storage.StoreUnavailableException e)
        {
            throw new CliException(e.Message, ExitCodes.Failure, e);
        }
    }
}
