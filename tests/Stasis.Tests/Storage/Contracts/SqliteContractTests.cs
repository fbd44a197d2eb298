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
