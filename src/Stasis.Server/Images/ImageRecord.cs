namespace Stasis.Server.Images;

/// <summary>One image of the store: its manifest digest, the references that name it, and its configuration.</summary>
public sealed record ImageRecord
{
    /// <summary><c>sha256:</c> and the manifest's 64 hex digits.</summary>
    public required string Digest { get; init; }
    public required IReadOnlyList<string> References { get; init; }
    public required ImageConfig Config { get; init; }
    /// <summary>Bytes of its blobs in the store (compressed layers, manifest, config).</summary>
    public long SizeBytes { get; init; }
    public required DateTimeOffset AddedAt { get; init; }
    /// <summary>Where it came from: <c>load FILE</c> or <c>pull REF</c>.</summary>
    public string Source { get; init; } = "";
}
