using System.Buffers.Binary;
using System.Text;

namespace Bytez.Engine.Tests.Tokenization;

/// <summary>
/// Builds a SentencePiece precompiled charsmap (the <c>Precompiled</c> normalizer's data) for tests: a darts-clone
/// double-array trie over the UTF-8 keys, each node's children in a block of its own, then the NUL-terminated
/// replacements.
/// </summary>
internal static class TestCharsmap
{
    /// <summary>The mappings of the test charsmap: compatibility forms, a two-character key, deletions, a prefix key.</summary>
    public static IReadOnlyList<(string Key, string Value)> Mappings { get; } =
    [
        ("ﬁ", "fi"), ("Ａ", "A"), ("Ｂ", "B"), ("①", "1"), ("\u00A0", " "), ("\u3000", " "), ("e\u0301", "é"),
        ("x", "X"), ("😀", ""), ("\u200B", ""), ("👨", "M"), ("½", "1/2"), ("Ⅻ", "XII"), ("ß", "ss"),
    ];

    /// <summary>The charsmap in base64, as <c>precompiled_charsmap</c> holds it.</summary>
    public static string Base64()
    {
        var normalized = new List<byte>();
        var nodes = new List<Dictionary<byte, int>> { new() };
        var values = new List<int> { -1 };
        foreach (var (key, value) in Mappings)
        {
            var node = 0;
            foreach (var b in Encoding.UTF8.GetBytes(key))
            {
                if (!nodes[node].TryGetValue(b, out var child))
                {
                    child = nodes.Count;
                    nodes.Add([]);
                    values.Add(-1);
                    nodes[node][b] = child;
                }

                node = child;
            }

            values[node] = normalized.Count;
            normalized.AddRange(Encoding.UTF8.GetBytes(value));
            normalized.Add(0);
        }

        // Node k sits somewhere in its parent's block; its own children live in block k + 1 (256 units each), and its
        // leaf value (if any) at that block's position 0.
        var units = new uint[(nodes.Count + 1) * 256];
        static uint Unit(long offset, bool hasLeaf, byte label) => ((uint)offset << 10) | (hasLeaf ? 1u << 8 : 0) | label;
        var positions = new long[nodes.Count];
        units[0] = Unit(256, false, 0);
        positions[0] = 0;
        for (var k = 0; k < nodes.Count; k++)
        {
            var block = (k + 1) * 256L;
            foreach (var (label, child) in nodes[k])
            {
                var position = block + label;
                positions[child] = position;
                var childBlock = (child + 1) * 256L;
                units[position] = Unit(position ^ childBlock, values[child] >= 0, label);
                if (values[child] >= 0)
                {
                    units[childBlock] = (1u << 31) | (uint)values[child];
                }
            }
        }

        var bytes = new byte[4 + (units.Length * 4) + normalized.Count];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)(units.Length * 4));
        for (var i = 0; i < units.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4 + (i * 4)), units[i]);
        }

        normalized.CopyTo(bytes, 4 + (units.Length * 4));
        return Convert.ToBase64String(bytes);
    }
}
