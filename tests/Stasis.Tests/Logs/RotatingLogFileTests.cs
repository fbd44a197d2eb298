using Stasis.Server.Logs;

namespace Stasis.Tests.Logs;

public sealed class RotatingLogFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stasis-rotating-").FullName;

    [Fact]
    public void Past_its_size_the_file_becomes_its_predecessor_and_the_two_hold_the_newest_lines()
    {
        var path = Path.Combine(_dir, "function.log");
        using (var log = RotatingLogFile.Open(path, maxBytes: 1000))
        {
            for (var i = 0; i < 100; i++)
            {
                log.AppendLine($"line {i:000} " + new string('x', 40)); // 50 characters with the newline
            }

            Assert.True(log.Rotations >= 4);
        }

        var current = File.ReadAllLines(path);
        var previous = File.ReadAllLines(RotatingLogFile.PreviousPath(path));
        Assert.True(new FileInfo(path).Length <= 1000 + 50);
        Assert.True(new FileInfo(RotatingLogFile.PreviousPath(path)).Length <= 1000 + 50);
        Assert.StartsWith("line 099", current[^1], StringComparison.Ordinal);
        // No line lost between the two files at the seam, and none written twice.
        var seam = int.Parse(previous[^1].AsSpan(5, 3), System.Globalization.CultureInfo.InvariantCulture);
        Assert.StartsWith($"line {seam + 1:000}", current[0], StringComparison.Ordinal);
        Assert.Equal(2, Directory.GetFiles(_dir).Length); // function.log and function.log.1, nothing else
    }

    [Fact]
    public void A_reopened_file_counts_what_it_already_holds()
    {
        var path = Path.Combine(_dir, "function.log");
        File.WriteAllText(path, new string('y', 990) + "\n");
        using var log = RotatingLogFile.Open(path, maxBytes: 1000);

        log.AppendLine("over the size now");

        Assert.Equal(1, log.Rotations);
        Assert.Equal(991, new FileInfo(RotatingLogFile.PreviousPath(path)).Length - "over the size now\n".Length);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
