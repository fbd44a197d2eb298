using Stasis.Cli;

return await Cli.RunAsync(args, CliEnvironment.ForProcess()).ConfigureAwait(false);
