using Bytez.Engine;
using System.Security.Cryptography;
using System.Text;

namespace Bytez.Server.Auth;

/// <summary>
/// Holds the SHA-256 hash of the one key the server accepts and checks presented keys against it in constant time.
/// The key comes from configuration (<c>BYTEZ_KEY</c>); without one, a key is generated at first start, shown once,
/// and only its hash is kept in the data directory so that it survives restarts.
/// </summary>
public sealed class ApiKeyStore
{
    /// <summary>The file under the data directory that holds the hash of a generated key.</summary>
    public const string HashFileName = "api-key.sha256";

    private readonly byte[] _hash;

    private ApiKeyStore(byte[] hash, string? newKey)
    {
        _hash = hash;
        GeneratedKey = newKey;
    }

    /// <summary>The key generated during this start, to show once; <see langword="null"/> when none was generated.</summary>
    public string? GeneratedKey { get; }

    /// <summary>Uses the configured key, or the stored hash, or generates and stores a new key.</summary>
    public static ApiKeyStore Create(string? configuredKey, string home)
    {
        if (!string.IsNullOrEmpty(configuredKey))
        {
            return new ApiKeyStore(Hash(configuredKey), null);
        }

        var hashFile = Path.Combine(home, HashFileName);
        if (File.Exists(hashFile))
        {
            var stored = Convert.FromHexString(File.ReadAllText(hashFile).Trim());
            if (stored.Length == SHA256.HashSizeInBytes)
            {
                return new ApiKeyStore(stored, null);
            }
        }

        var key = "bz_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var hash = Hash(key);
        PrivateFiles.CreateDirectory(home);
        var temp = hashFile + ".tmp";
        PrivateFiles.WriteAllText(temp, Convert.ToHexStringLower(hash));
        File.Move(temp, hashFile, overwrite: true);
        return new ApiKeyStore(hash, key);
    }

    /// <summary>Whether the presented key is the server's key; takes the same time whatever the key.</summary>
    public bool IsValid(ReadOnlySpan<char> presentedKey) =>
        CryptographicOperations.FixedTimeEquals(Hash(presentedKey), _hash);

    private static byte[] Hash(ReadOnlySpan<char> key)
    {
        var bytes = new byte[Encoding.UTF8.GetMaxByteCount(key.Length)];
        var count = Encoding.UTF8.GetBytes(key, bytes);
        return SHA256.HashData(bytes.AsSpan(0, count));
    }
}
