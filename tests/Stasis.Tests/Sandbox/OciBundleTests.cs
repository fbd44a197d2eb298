using Stasis.Server.Runtime;
using Stasis.Server.Runtime.Sandbox;

namespace Stasis.Tests.Sandbox;

public sealed class OciBundleTests
{
    private static InstanceLaunch Launch(params string[] argv) => new()
    {
        InstanceId = "f-1",
        FunctionName = "f",
        WorkingDirectory = "/srv/app",
        Argv = argv,
        Environment = new Dictionary<string, string>(),
        Port = 9000,
        StartTimeout = TimeSpan.FromSeconds(1),
        LogPath = "/dev/null",
    };

    [Fact]
    public void Paths_into_the_code_directory_become_paths_under_code_and_nothing_else_changes() =>
        Assert.Equal(["/code/run.sh", "--dir", "/code", "/srv/application", "python3", "/srv/app2/x"],
            OciBundle.Argv(Launch("/srv/app/run.sh", "--dir", "/srv/app", "/srv/application", "python3", "/srv/app2/x")));

    [Fact]
    public void Uid_ranges_are_apart_kept_across_restarts_and_kept_apart_for_two_servers()
    {
        var path = Path.Combine(Path.GetTempPath(), "uid-ranges-" + Guid.NewGuid().ToString("N"));
        try
        {
            var first = new UidRanges(path, TimeProvider.System);
            var a = first.For("d-1", "alpha");
            var b = first.For("d-1", "beta");
            var other = new UidRanges(path, TimeProvider.System).For("d-2", "alpha"); // another server's function of the same name

            Assert.Equal(UidRanges.FirstId, a.Start);
            Assert.Equal(65536, a.Size);
            Assert.True(b.Start > a.End && other.Start > b.End);
            Assert.Equal(a, new UidRanges(path, TimeProvider.System).For("d-1", "alpha")); // a restart
            Assert.Equal(3, File.ReadAllLines(path).Length);
        }
        finally
        {
            File.Delete(path);
            File.Delete(path + ".lock");
        }
    }
}
