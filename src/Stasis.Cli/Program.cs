using System.Runtime.CompilerServices;
using Stasis.Cli;

if (args is ["server" or "up", ..])
{
    RestartWithArenaLimit();
}

return await Cli.RunAsync(args, CliEnvironment.ForProcess()).ConfigureAwait(false);

// A long-running server caps glibc's malloc arenas from its first allocation (docs/reliability.md, "Memory"): this
// starts the process over with MALLOC_ARENA_MAX set, unless it is set. Its own method, so that other commands do not
// load the server's assembly.
[MethodImpl(MethodImplOptions.NoInlining)]
static void RestartWithArenaLimit() => Stasis.Server.Hosting.ArenaLimitedStart.RestartIfUnlimited();
