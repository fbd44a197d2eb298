using Stasis.Client.Model;

namespace Stasis.Server.Functions;

/// <summary>A stored function: its spec and the version that changes with every update.</summary>
internal sealed record FunctionRecord(FunctionSpec Spec, long Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);
