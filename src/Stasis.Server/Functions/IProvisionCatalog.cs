namespace Stasis.Server.Functions;

/// <summary>The provision catalog, a port of the core: each function's provision config (per qualifier).</summary>
internal interface IProvisionCatalog
{
    IReadOnlyList<ProvisionRecord> List();

    ProvisionRecord? Get(string function, string qualifier);

    /// <summary>Adds the config, or replaces it by function and qualifier.</summary>
    void Upsert(ProvisionRecord record);

    /// <summary>Removes every qualifier's config of the function.</summary>
    void Delete(string function);
}
