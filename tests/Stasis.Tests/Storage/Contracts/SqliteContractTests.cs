using Stasis.Server.Storage.Sqlite;
using Stasis.Server.Functions;
using Stasis.Server.Storage;

namespace Stasis.Tests.Storage.Contracts;

/// <summary>The SQLite implementations against the ports' contracts, each on a fresh store file.</summary>
public sealed class SqliteFunctionCatalogTests : FunctionCatalogContract, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stasis-contract-").FullName;

    private protected override IFunctionCatalog Fresh() => new SqliteFunctionCatalog(new StasisDb(Path.Combine(_dir, Guid.NewGuid().ToString("N"))));

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}

public sealed class SqliteProvisionCatalogTests : ProvisionCatalogContract, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stasis-contract-").FullName;

    private protected override IProvisionCatalog Fresh() => new SqliteProvisionCatalog(new StasisDb(Path.Combine(_dir, Guid.NewGuid().ToString("N"))));

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}

public sealed class SqliteAccessKeyCatalogTests : AccessKeyCatalogContract, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stasis-contract-").FullName;

    private protected override Stasis.Server.Security.IAccessKeyCatalog Fresh()
    {
        var data = Path.Combine(_dir, Guid.NewGuid().ToString("N"));
        var db = new StasisDb(data);
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var health = new StoreHealth(time, Microsoft.Extensions.Logging.Abstractions.NullLogger<StoreHealth>.Instance);
        return new SqliteAccessKeyCatalog(db, new DeferredWrites(db, health, Microsoft.Extensions.Logging.Abstractions.NullLogger<DeferredWrites>.Instance),
            Stasis.Server.Security.ServerKey.Load(data, null));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}

public sealed class SqliteInstanceHistoryTests : InstanceHistoryContract, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stasis-contract-").FullName;

    private protected override (Stasis.Server.Scheduling.IInstanceJournal, Stasis.Server.Instances.IInstanceHistory) Fresh()
    {
        var db = new StasisDb(Path.Combine(_dir, Guid.NewGuid().ToString("N")));
        var health = new StoreHealth(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(), Microsoft.Extensions.Logging.Abstractions.NullLogger<StoreHealth>.Instance);
        var journal = new SqliteInstanceJournal(db, new DeferredWrites(db, health, Microsoft.Extensions.Logging.Abstractions.NullLogger<DeferredWrites>.Instance));
        return (journal, journal);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}

public sealed class SqliteMeterLedgerTests : MeterLedgerContract, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stasis-contract-").FullName;

    private protected override Stasis.Server.Metering.IMeterLedger Fresh() => new SqliteMeterLedger(new StasisDb(Path.Combine(_dir, Guid.NewGuid().ToString("N"))));

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
