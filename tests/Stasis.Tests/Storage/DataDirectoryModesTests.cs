using Stasis.Server.Storage;

namespace Stasis.Tests.Storage;

/// <summary>The data directory is the server's alone, whatever the umask; one someone opened up is refused with the chmod.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DataDirectoryModesTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("stasis-modes-").FullName;

    [Fact]
    public void A_new_data_directory_and_its_store_are_owner_only()
    {
        var data = Path.Combine(_root, "data");

        var db = new StasisDb(data);
        using var open = db.Open(); // the WAL exists while a connection is open
        StasisDb.Execute(open, "CREATE TABLE IF NOT EXISTS t (x); INSERT INTO t VALUES (1);");

        Assert.Equal("700", Mode(data));
        Assert.Equal("600", Mode(Path.Combine(data, "stasis.db")));
        Assert.Equal("600", Mode(Path.Combine(data, "stasis.db-wal")));
    }

    [Fact]
    public void An_open_data_directory_with_files_is_refused_naming_the_chmod_and_an_empty_one_is_closed()
    {
        var data = Path.Combine(_root, "open");
        Directory.CreateDirectory(data);
        File.SetUnixFileMode(data, (UnixFileMode)Convert.ToInt32("755", 8));
        var empty = Path.Combine(_root, "empty");
        Directory.CreateDirectory(empty);
        File.SetUnixFileMode(empty, (UnixFileMode)Convert.ToInt32("755", 8));
        File.WriteAllText(Path.Combine(data, "stasis.db"), "");

        var error = Assert.Throws<StoreUnavailableException>(() => DataDirectoryModes.Prepare(data));
        DataDirectoryModes.Prepare(empty);

        Assert.Contains($"chmod 700 '{data}'", error.Message, StringComparison.Ordinal);
        Assert.Equal("700", Mode(empty));
    }

    [Fact]
    public void A_store_file_others_can_read_is_refused_naming_the_chmod()
    {
        var data = Path.Combine(_root, "file");
        _ = new StasisDb(data);
        var db = Path.Combine(data, "stasis.db");
        File.SetUnixFileMode(db, (UnixFileMode)Convert.ToInt32("644", 8));

        var error = Assert.Throws<StoreUnavailableException>(() => DataDirectoryModes.Prepare(data));

        Assert.Contains($"chmod 600 '{db}'", error.Message, StringComparison.Ordinal);
    }

    private static string Mode(string path) => Convert.ToString((int)File.GetUnixFileMode(path) & 0x1ff, 8);

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
