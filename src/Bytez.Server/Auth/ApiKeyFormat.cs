using System.Security.Cryptography;
using System.Text;

namespace Bytez.Server.Auth;

/// <summary>
/// The shape of issued keys, <c>bz_&lt;prefix&gt;_&lt;secret&gt;</c>: a 10-hex-digit prefix kept in clear (to find the
/// key's row and to show which key it is) and a 256-bit random secret; and their hash, SHA-256 of the whole key. A fast
/// hash is right here: the secret is random with 256 bits of entropy, so there is nothing to guess and nothing a slow
/// password hash (bcrypt, Argon2) would protect, while it would cost every request milliseconds of CPU.
/// </summary>
public static class ApiKeyFormat
{
    /// <summary>What every issued key starts with.</summary>
    public const string Start = "bz_";

    /// <summary>The number of hex digits of a prefix.</summary>
    public const int PrefixLength = 10;

    /// <summary>The number of hex digits of a secret (32 random bytes).</summary>
    public const int SecretLength = 64;

    /// <summary>A new random key and its prefix.</summary>
    public static (string Key, string Prefix) NewKey()
    {
        var prefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(PrefixLength / 2));
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(SecretLength / 2));
        return ($"{Start}{prefix}_{secret}", prefix);
    }

    /// <summary>The prefix of a presented key in the issued shape, or <see langword="null"/> when it has another shape.</summary>
    public static string? PrefixOf(ReadOnlySpan<char> key)
    {
        if (key.Length != Start.Length + PrefixLength + 1 + SecretLength || !key.StartsWith(Start, StringComparison.Ordinal)
            || key[Start.Length + PrefixLength] != '_')
        {
            return null;
        }

        var prefix = key.Slice(Start.Length, PrefixLength);
        foreach (var c in prefix)
        {
            if (!char.IsAsciiHexDigitLower(c))
            {
                return null;
            }
        }

        return prefix.ToString();
    }

    /// <summary>SHA-256 of the key's UTF-8 bytes.</summary>
    public static byte[] Hash(ReadOnlySpan<char> key)
    {
        var bytes = new byte[Encoding.UTF8.GetMaxByteCount(key.Length)];
        var count = Encoding.UTF8.GetBytes(key, bytes);
        return SHA256.HashData(bytes.AsSpan(0, count));
    }
}
