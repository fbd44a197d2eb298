using System.Net;
using System.Net.Http.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Stasis.Client.Model;
using Stasis.Server.Hosting;
using Stasis.Server.Storage;

namespace Stasis.FunctionalTests.Storage;

/// <summary>
/// A store damaged as disks, copies and careless hands damage them — truncated, its header overwritten, 8 KB of
/// garbage in the middle, emptied, a directory in its place — stops the start with one line naming the file, what is
/// wrong and what to do, and no stack trace; damage the start-up check did not reach answers 503 StoreDamaged where it
/// is read, and the rest of the server goes on. An empty store is never taken for a new one.
/// </summary>
public sealed class DamagedStoreTests : IAsyncLifetime
{
    private readonly ServerProcess _server = new();

    public static TheoryData<string> Damages => ["truncated", "header", "middle", "empty", "directory"];

    [Theory]
    [MemberData(nameof(Damages))]
    public async Task ADamagedStoreStopsTheStartWithOneMessage_NamingTheFileAndTheRemedy(string damage)
    {
        await MakeStore();
        var store = _server.StoreFile;
        var length = new FileInfo(store).Length;
        switch (damage)
        {
            case "truncated":
                await using (var f = new FileStream(store, FileMode.Open))
                {
                    f.SetLength(length / 3);
                }

                break;
            case "header":
                await Overwrite(store, 0, 100);
                break;
            case "middle":
                await Overwrite(store, length / 2 - 4096, 8192);
                break;
            case "empty":
                await File.WriteAllBytesAsync(store, []);
                break;
            case "directory":
                File.Delete(store);
                Directory.CreateDirectory(store);
                break;
        }

        var process = _server.Launch("--listen", "127.0.0.1:0");
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, process.ExitCode);
        var output = _server.Output.ToList();
        var error = Assert.Single(output, l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.StartsWith($"error: the server did not start: the store {store} ", error, StringComparison.Ordinal);
        Assert.Contains(damage switch
        {
            "truncated" or "middle" => "is damaged (",
            "header" => "is not a SQLite database",
            "empty" => "is empty (0 bytes)",
            _ => "is a directory",
        }, error, StringComparison.Ordinal);
        Assert.Contains(damage == "directory" ? "Move it away" : "backup", error, StringComparison.Ordinal);
        Assert.DoesNotContain(output, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal) || l.Contains("Exception", StringComparison.Ordinal));
        if (damage == "empty")
        {
            Assert.Equal(0, new FileInfo(store).Length); // nothing was written into it: not taken for a new store
        }
    }

    [Fact]
    public async Task DamageTheStartDidNotCheck_Answers503StoreDamagedWhereItIsRead_AndStoreCheckFindsIt()
    {
        await MakeStore();
        AddMeterIntervals(_server.StoreFile, 20_000);
        var pages = LeafPages(_server.StoreFile, "meter_intervals", "meter_intervals_for_bill", "meter_intervals_by_function");
        foreach (var page in pages)
        {
            await Overwrite(_server.StoreFile, (page - 1) * 4096L, 4096);
        }

        // As when the bounded start-up check is cut short on a large store: here it is skipped.
        await using var server = await StasisServer.StartAsync(new StasisServerOptions
        {
            Listen = "127.0.0.1:0",
            DataDirectory = _server.DataDirectory,
            StoreCheckTimeout = TimeSpan.Zero,
            StopGrace = TimeSpan.FromSeconds(2),
        }, configureLogging: l => l.SetMinimumLevel(LogLevel.Critical));
        using var http = new HttpClient { BaseAddress = server.Address };

        using var bill = await http.GetAsync("api/v1/bill");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, bill.StatusCode);
        var body = (await bill.Content.ReadFromJsonAsync<ErrorBody>(JsonDefaults.Options))!;
        Assert.Equal("StoreDamaged", body.Code);
        Assert.Contains(_server.StoreFile, body.Message, StringComparison.Ordinal);
        Assert.Contains("restore the store from a backup", body.Message, StringComparison.Ordinal);

        // The rest of the server goes on, and says what it found.
        var status = (await http.GetFromJsonAsync<ServerStatus>("api/v1/status", JsonDefaults.Options))!;
        Assert.Equal("damaged", status.Storage.State);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("api/v1/functions")).StatusCode);

        var check = StoreTools.Check(_server.DataDirectory);
        Assert.False(check.Ok);
        Assert.NotEmpty(check.Problems);
    }

    private async Task MakeStore()
    {
        await _server.StartAsync();
        await _server.StopAsync();
    }

    private static async Task Overwrite(string path, long offset, int count)
    {
        var garbage = new byte[count];
        new Random(17).NextBytes(garbage);
        await using var f = new FileStream(path, FileMode.Open, FileAccess.Write);
        f.Seek(offset, SeekOrigin.Begin);
        await f.WriteAsync(garbage);
    }

    private static void AddMeterIntervals(string store, int count)
    {
        using var connection = new SqliteConnection($"Data Source={store};Pooling=False");
        connection.Open();
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO meter_intervals(instance_id, function_name, kind, state, start_us, end_us, vcpu, memory_gb, gpu_memory_gb)
            VALUES ($i, 'f', 'onDemand', 'active', $s, $s + 999999, 1, 2, 0)
            """;
        var instance = insert.Parameters.Add("$i", SqliteType.Text);
        var start = insert.Parameters.Add("$s", SqliteType.Integer);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
        for (var i = 0; i < count; i++)
        {
            instance.Value = $"i-{i % 50:D4}";
            start.Value = now - (count - i) * 1_000_000L;
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
        using var checkpoint = connection.CreateCommand();
        checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
        checkpoint.ExecuteNonQuery();
    }

    /// <summary>
    /// A leaf page from the middle of each of <paramref name="names"/> (tables or indexes): from its root page
    /// (sqlite_master), down the middle child of each interior page, as SQLite's file format lays them out.
    /// </summary>
    private static List<long> LeafPages(string store, params string[] names)
    {
        var roots = new List<long>();
        using (var connection = new SqliteConnection($"Data Source={store};Mode=ReadOnly;Pooling=False"))
        {
            connection.Open();
            foreach (var name in names)
            {
                using var query = connection.CreateCommand();
                query.CommandText = "SELECT rootpage FROM sqlite_master WHERE name = $n";
                query.Parameters.AddWithValue("$n", name);
                roots.Add((long)query.ExecuteScalar()!);
            }
        }

        var file = File.ReadAllBytes(store);
        const int PageSize = 4096;
        var pages = new List<long>();
        foreach (var root in roots)
        {
            var page = root;
            var depth = 0;
            while (true)
            {
                var at = (int)(page - 1) * PageSize + (page == 1 ? 100 : 0);
                var type = file[at];
                if (type is 0x0D or 0x0A)
                {
                    break; // a leaf of a table or an index
                }

                Assert.True(type is 0x05 or 0x02, $"page {page} is of type {type}");
                var cells = (file[at + 3] << 8) | file[at + 4];
                var cell = (file[at + 12 + cells / 2 * 2] << 8) | file[at + 12 + cells / 2 * 2 + 1];
                var child = (int)(page - 1) * PageSize + cell;
                page = ((long)file[child] << 24) | ((long)file[child + 1] << 16) | ((long)file[child + 2] << 8) | file[child + 3];
                depth++;
            }

            Assert.True(depth > 0, $"the b-tree at page {root} has a single page");
            pages.Add(page);
        }

        return pages;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (Directory.Exists(_server.StoreFile))
        {
            Directory.Delete(_server.StoreFile);
        }

        await _server.DisposeAsync();
    }
}
