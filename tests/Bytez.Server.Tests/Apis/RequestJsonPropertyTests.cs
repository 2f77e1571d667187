using Bytez.Testing.Properties;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Bytez.Engine;
using Bytez.Protocol;
using Bytez.Server.Apis;
using CsCheck;

namespace Bytez.Server.Tests.Apis;

/// <summary>
/// Property tests of request JSON reading (<see cref="JsonBody"/>, <see cref="RunRequestReader"/> and the typed
/// bodies of the cluster and model request routes) on random byte strings and random JSON trees: the only failure
/// that may escape is the documented BadInput <see cref="EngineException"/> (or, for the typed bodies, the
/// <see cref="JsonException"/> their routes turn into one); whatever is accepted reads as text everywhere; the memory a
/// parse allocates stays proportional to the body. Fixed seed and a time cap, so CI runs the same inputs every time.
/// </summary>
public sealed class RequestJsonPropertyTests
{
    private const string Seed = "0bytezReqst1";

    private static readonly TimeSpan TimeCap = TimeSpan.FromSeconds(8);

    private static readonly string[] Names =
    [
        "input", "text", "url", "base64", "question", "context", "candidate_labels", "messages", "role", "content", "type",
        "params", "stream", "json", "source_sentence", "sentences", "max_new_tokens", "stop", "prompt", "model", "timeout",
        "capacity", "min", "desired", "max", "status", "config", "revision", "webhook",
    ];

    [Fact]
    public void Read_RandomBytes_OnlyBadInputEscapes() =>
        Run(Gen.Byte.Array[0, 300], Holds);

    [Fact]
    public void Read_MutatedRequests_OnlyBadInputEscapes() =>
        Run(
            Gen.Select(Tree(3), Gen.Int[0, 1000], Gen.Byte),
            t =>
            {
                var bytes = t.Item1.ToArray();
                if (bytes.Length > 0)
                {
                    bytes[t.Item2 % bytes.Length] = t.Item3;
                }

                Holds(bytes);
            });

    [Fact]
    public void Read_RandomJsonTrees_OnlyBadInputEscapes() =>
        Run(Tree(4).Select(b => b.ToArray()), Holds);

    /// <summary>The property: parse, read as a run request and as the typed bodies; only documented failures escape.</summary>
    private static void Holds(byte[] body)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        JsonElement? root;
        try
        {
            root = JsonBody.Parse(body, "{}");
        }
        catch (EngineException e) when (e.Kind == EngineErrorKind.BadInput)
        {
            return;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated <= (64L * body.Length) + (1 << 20), $"parsing {body.Length} bytes allocated {allocated}");
        if (root is not { } value)
        {
            return;
        }

        ReadEveryString(value);
        try
        {
            RunRequestReader.Read(value);
        }
        catch (EngineException e) when (e.Kind == EngineErrorKind.BadInput)
        {
        }

        try
        {
            value.Deserialize(ProtocolJsonContext.Default.ClusterRequest);
        }
        catch (JsonException)
        {
        }

        try
        {
            value.Deserialize(ProtocolJsonContext.Default.ModelRequestOptions);
        }
        catch (JsonException)
        {
        }
    }

    /// <summary>What the reader promises: every string and property name of an accepted body reads as text.</summary>
    private static void ReadEveryString(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                _ = value.GetString();
                break;
            case JsonValueKind.Array:
                foreach (var item in value.EnumerateArray())
                {
                    ReadEveryString(item);
                }

                break;
            case JsonValueKind.Object:
                foreach (var property in value.EnumerateObject())
                {
                    _ = property.Name;
                    ReadEveryString(property.Value);
                }

                break;
        }
    }

    /// <summary>Random JSON text (as bytes, since strings may hold invalid UTF-8) up to <paramref name="depth"/> deep.</summary>
    private static Gen<List<byte>> Tree(int depth)
    {
        var scalar = Gen.OneOf(
            Gen.Const("null"), Gen.Const("true"), Gen.Const("false"), Gen.Int.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            Gen.Const("1e999"), Gen.Const("-0.0"), Gen.Const("99999999999999999999999"), Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "0"))
            .Select(s => Encoding.ASCII.GetBytes(s).ToList());
        var text = StringBytes().Select(b => (List<byte>)[(byte)'"', .. b, (byte)'"']);
        if (depth == 0)
        {
            return Gen.OneOf(scalar, text);
        }

        var inner = Tree(depth - 1);
        var array = inner.List[0, 4].Select(items => Join((byte)'[', items, (byte)']'));
        var name = Gen.OneOf(Gen.OneOf(Names).Select(n => Encoding.UTF8.GetBytes(n)), StringBytes())
            .Select(b => (List<byte>)[(byte)'"', .. b, (byte)'"']);
        var member = Gen.Select(name, inner, (n, v) => (List<byte>)[.. n, (byte)':', .. v]);
        var obj = member.List[0, 5].Select(items => Join((byte)'{', items, (byte)'}'));
        return Gen.Frequency((2, scalar), (2, text), (2, array), (4, obj));
    }

    /// <summary>The inside of a JSON string: plain text, escapes, lone or paired surrogate escapes, raw invalid bytes.</summary>
    private static Gen<byte[]> StringBytes()
    {
        var piece = Gen.OneOf(
            Gen.String[0, 8].Select(s => Encoding.UTF8.GetBytes(JsonEncodedText.Encode(s).Value)),
            Gen.OneOf("\\ud800", "\\udc00", "\\ud83d\\ude00", "\\u0041", "\\n", "\\\"", "\\\\", "\\u00e9", "é", "😀").Select(s => Encoding.UTF8.GetBytes(s)),
            Gen.OneOf<byte[]>([0xFF], [0xFE], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xF4, 0x90, 0x80, 0x80], [0x80]));
        return piece.List[0, 4].Select(parts => parts.SelectMany(p => p).ToArray());
    }

    private static List<byte> Join(byte open, List<List<byte>> items, byte close)
    {
        var result = new List<byte> { open };
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0)
            {
                result.Add((byte)',');
            }

            result.AddRange(items[i]);
        }

        result.Add(close);
        return result;
    }

    /// <summary>Checks the property on inputs drawn one after another from one generator started at <see cref="Seed"/>.</summary>
    private static void Run<T>(Gen<T> gen, Action<T> assert) => PropertyCheck.Run(gen, assert, Seed, iterations: 20_000, TimeCap);
}
