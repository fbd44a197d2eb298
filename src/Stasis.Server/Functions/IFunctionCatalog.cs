namespace Stasis.Server.Functions;

/// <summary>The function catalog, a port of the core: each function's spec and version, as the store keeps them.</summary>
internal interface IFunctionCatalog
{
    /// <summary>Every function, by name.</summary>
    IReadOnlyList<FunctionRecord> List();

    FunctionRecord? Get(string name);

    /// <summary>Adds the function, or replaces it by name.</summary>
    void Upsert(FunctionRecord record);

    /// <summary>False when there was no such function.</summary>
    bool Delete(string name);

    /// <summary>The catalog's revision: it grows with every change, whoever makes it (this server, another, a tool).</summary>
    long Revision();

    /// <summary>Every function with the revision they are at, read together.</summary>
    (long Revision, IReadOnlyList<FunctionRecord> Functions) Snapshot();
}
