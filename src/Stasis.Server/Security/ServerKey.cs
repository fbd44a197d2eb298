using System.Security.Cryptography;
using Stasis.Server.Runtime.Sandbox;
using Stasis.Server.Storage;

namespace Stasis.Server.Security;

/// <summary>
/// The server's own secret (docs/security.md): 32 random bytes in <c>DATA/server.key</c> (mode 0600, made on
/// the first start) or the file <c>--server-key</c> names. It seals what the store keeps of each access key
/// (AES-256-GCM, the key's id as associated data), so a copy of the store alone lets no one sign a request or
/// present a key. Servers that share one store must share this file too.
/// </summary>
internal sealed class ServerKey
{
    public const string FileName = "server.key";
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key;

    private ServerKey(byte[] key, string path)
    {
        _key = key;
        Path = path;
    }

    public string Path { get; }

    /// <summary>Reads the key file, or makes it where it does not exist; throws <see cref="StoreUnavailableException"/> when it is unusable.</summary>
    public static ServerKey Load(string dataDirectory, string? file)
    {
        var path = System.IO.Path.GetFullPath(file ?? System.IO.Path.Combine(dataDirectory, FileName));
        if (!File.Exists(path))
        {
            if (file is not null)
            {
                throw new StoreUnavailableException($"the server key {path} (--server-key) does not exist; copy the server key of the store's other servers there.");
            }

            var fresh = RandomNumberGenerator.GetBytes(32);
            using (var stream = FileModes.CreatePrivate(path))
            using (var writer = new StreamWriter(stream))
            {
                writer.WriteLine(Convert.ToBase64String(fresh));
            }

            return new ServerKey(fresh, path);
        }

        if (!OperatingSystem.IsWindows() && (FileModes.Get(path) & (UnixFileMode)0x3f) != 0)
        {
            throw new StoreUnavailableException($"the server key {path} is readable by other users; close it with: chmod 600 '{path}'");
        }

        try
        {
            var key = Convert.FromBase64String(File.ReadAllText(path).Trim());
            return key.Length == 32
                ? new ServerKey(key, path)
                : throw new StoreUnavailableException($"the server key {path} holds {key.Length} bytes, not 32; restore the right file (or remove it on a store with no access keys).");
        }
        catch (FormatException)
        {
            throw new StoreUnavailableException($"the server key {path} is not base64 text of 32 bytes; restore the right file.");
        }
    }

    /// <summary>Seals <paramref name="secret"/> for key <paramref name="keyId"/>: nonce, ciphertext, tag.</summary>
    public byte[] Seal(string keyId, ReadOnlySpan<byte> secret)
    {
        var sealedBytes = new byte[NonceSize + secret.Length + TagSize];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, secret, sealedBytes.AsSpan(NonceSize, secret.Length), sealedBytes.AsSpan(NonceSize + secret.Length), System.Text.Encoding.UTF8.GetBytes(keyId));
        return sealedBytes;
    }

    /// <summary>The secret <see cref="Seal"/> sealed; throws <see cref="StoreUnavailableException"/> when this is not the key that sealed it.</summary>
    public byte[] Open(string keyId, byte[] sealedBytes)
    {
        if (sealedBytes.Length < NonceSize + TagSize)
        {
            throw new StoreUnavailableException($"access key {keyId} in the store is damaged (its sealed secret is {sealedBytes.Length} bytes); revoke it and create another.");
        }

        var secret = new byte[sealedBytes.Length - NonceSize - TagSize];
        try
        {
            using var aes = new AesGcm(_key, TagSize);
            aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize, secret.Length), sealedBytes.AsSpan(NonceSize + secret.Length), secret,
                System.Text.Encoding.UTF8.GetBytes(keyId));
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw new StoreUnavailableException(
                $"access key {keyId} in the store was sealed with another server key than {Path}; start the server with the server key of the store's other servers (--server-key FILE).", e);
        }

        return secret;
    }
}
