using System.Text.Json.Nodes;
using Stasis.Client.Model;
using Stasis.Server.Functions;

namespace Stasis.Tests.Storage.Contracts;

/// <summary>
/// What every implementation of the function catalog must do (SQLite now, PostgreSQL next): a subclass gives a
/// fresh, empty catalog; every test here must pass on it.
/// </summary>
public abstract class FunctionCatalogContract
{
    private protected abstract IFunctionCatalog Fresh();

    private static readonly DateTimeOffset T0 = new(2026, 7, 1, 9, 0, 0, TimeSpan.Zero);

    private static FunctionRecord Record(string name, long version, string? description = null) =>
        new(new FunctionSpec { FunctionName = name, Description = description, Code = "/srv/" + name }, version, T0, T0.AddMinutes(version));

    [Fact]
    public void An_empty_catalog_lists_nothing_and_gets_nothing()
    {
        var catalog = Fresh();

        Assert.Empty(catalog.List());
        Assert.Null(catalog.Get("missing"));
        Assert.False(catalog.Delete("missing"));
    }

    [Fact]
    public void Upsert_adds_then_replaces_by_name_keeping_the_spec_and_version()
    {
        var catalog = Fresh();
        catalog.Upsert(Record("b", 1));
        catalog.Upsert(Record("a", 1, "first"));
        catalog.Upsert(Record("a", 2, "second"));

        var a = catalog.Get("a")!;
        Assert.Equal((2L, "second", "/srv/a"), (a.Version, a.Spec.Description, a.Spec.Code));
        Assert.Equal((T0, T0.AddMinutes(2)), (a.CreatedAt, a.UpdatedAt));
        Assert.Equal(["a", "b"], catalog.List().Select(r => r.Spec.FunctionName));
    }

    [Fact]
    public void Delete_removes_one_function()
    {
        var catalog = Fresh();
        catalog.Upsert(Record("a", 1));
        catalog.Upsert(Record("b", 1));

        Assert.True(catalog.Delete("a"));

        Assert.Null(catalog.Get("a"));
        Assert.Equal("b", Assert.Single(catalog.List()).Spec.FunctionName);
    }
    [Fact]
    public void Every_change_moves_the_revision_and_a_snapshot_reads_functions_and_revision_together()
    {
        var catalog = Fresh();
        var start = catalog.Revision();

        catalog.Upsert(Record("a", 1));
        catalog.Upsert(Record("a", 2));
        var afterUpserts = catalog.Revision();
        Assert.False(catalog.Delete("missing")); // no change, no new revision
        Assert.Equal(afterUpserts, catalog.Revision());
        Assert.True(catalog.Delete("a"));
        catalog.Upsert(Record("b", 1));

        Assert.True(afterUpserts >= start + 2);
        var (revision, functions) = catalog.Snapshot();
        Assert.True(revision >= afterUpserts + 2);
        Assert.Equal(catalog.Revision(), revision);
        Assert.Equal("b", Assert.Single(functions).Spec.FunctionName);
    }
}

/// <summary>What every implementation of the provision catalog must do.</summary>
public abstract class ProvisionCatalogContract
{
    private protected abstract IProvisionCatalog Fresh();

    private static readonly DateTimeOffset T0 = new(2026, 7, 1, 9, 0, 0, TimeSpan.Zero);

    private static ProvisionRecord Record(string function, string qualifier, int target) =>
        new(function, qualifier, target, AlwaysAllocateCpu: false, AlwaysAllocateGpu: true,
            new JsonArray(new JsonObject { ["name"] = "morning", ["target"] = 2 }), new JsonArray(), T0);

    [Fact]
    public void Upsert_is_per_function_and_qualifier_and_keeps_the_policies()
    {
        var catalog = Fresh();
        catalog.Upsert(Record("f", "LATEST", 1));
        catalog.Upsert(Record("f", "prod", 2));
        catalog.Upsert(Record("f", "LATEST", 3));

        var latest = catalog.Get("f", "LATEST")!;
        Assert.Equal((3, false, true), (latest.DefaultTarget, latest.AlwaysAllocateCpu, latest.AlwaysAllocateGpu));
        Assert.Equal("morning", (string?)latest.ScheduledActions[0]!["name"]);
        Assert.Equal(2, catalog.Get("f", "prod")!.DefaultTarget);
        Assert.Equal(2, catalog.List().Count);
        Assert.Null(catalog.Get("other", "LATEST"));
    }

    [Fact]
    public void Delete_removes_every_qualifier_of_the_function()
    {
        var catalog = Fresh();
        catalog.Upsert(Record("f", "LATEST", 1));
        catalog.Upsert(Record("f", "prod", 2));
        catalog.Upsert(Record("g", "LATEST", 1));

        catalog.Delete("f");

        Assert.Equal("g", Assert.Single(catalog.List()).FunctionName);
    }
}
