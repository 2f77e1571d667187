using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Bytez.Engine.Onnx.Generation;

/// <summary>
/// The inputs and outputs of a decoder graph, checked against the Optimum conventions: <c>input_ids</c>,
/// <c>attention_mask</c>, optional <c>position_ids</c>, <c>past_key_values.{i}.key</c>/<c>.value</c>
/// [batch, kv_heads, past, head_dim], optional <c>use_cache_branch</c> (merged decoders) and
/// <c>num_logits_to_keep</c>/<c>logits_to_keep</c>; outputs <c>logits</c> [batch, seq, vocab] and
/// <c>present.{i}.key</c>/<c>.value</c>.
/// </summary>
internal sealed partial class DecoderSignature
{
    private DecoderSignature()
    {
    }

    public required string[] InputNames { get; init; }

    public required string[] OutputNames { get; init; }

    public required TensorElementType InputIdsType { get; init; }

    public TensorElementType? AttentionMaskType { get; init; }

    public TensorElementType? PositionIdsType { get; init; }

    public bool HasUseCacheBranch { get; init; }

    public TensorElementType? LogitsToKeepType { get; init; }

    public string? LogitsToKeepName { get; init; }

    /// <summary>Past input names in input order after the fixed ones (key, value per layer).</summary>
    public required string[] PastNames { get; init; }

    /// <summary>The element type of each past input.</summary>
    public required TensorElementType[] PastTypes { get; init; }

    public int LayerCount => PastNames.Length / 2;

    public bool HasCache => PastNames.Length > 0;

    public int KeyValueHeads { get; init; }

    public int HeadDim { get; init; }

    public required TensorElementType LogitsType { get; init; }

    public required int VocabularySize { get; init; }

    public static DecoderSignature Read(InferenceSession session, DecoderModelConfig config, string path)
    {
        var inputs = session.InputMetadata;
        var outputs = session.OutputMetadata;
        string Fail(string what) => $"The ONNX decoder {Path.GetFileName(path)} {what} (inputs: {string.Join(", ", inputs.Keys)}; outputs: {string.Join(", ", outputs.Keys)}).";

        if (!inputs.TryGetValue("input_ids", out var ids))
        {
            throw EngineException.NotSupported(Fail("has no input_ids input (exports that take inputs_embeds only are not supported)"));
        }

        var idsType = IndexType(ids, "input_ids", Fail);
        TensorElementType? maskType = inputs.TryGetValue("attention_mask", out var mask) ? IndexType(mask, "attention_mask", Fail) : null;
        TensorElementType? positionType = inputs.TryGetValue("position_ids", out var pos) ? IndexType(pos, "position_ids", Fail) : null;
        var hasBranch = inputs.TryGetValue("use_cache_branch", out var branch);
        if (hasBranch && branch!.ElementDataType != TensorElementType.Bool)
        {
            throw EngineException.NotSupported(Fail($"takes use_cache_branch as {branch.ElementDataType}, not bool"));
        }

        string? keepName = inputs.ContainsKey("num_logits_to_keep") ? "num_logits_to_keep" : inputs.ContainsKey("logits_to_keep") ? "logits_to_keep" : null;
        TensorElementType? keepType = keepName is null ? null : IndexType(inputs[keepName], keepName, Fail);

        var layers = new SortedDictionary<int, (string? Key, string? Value)>();
        var unknown = new List<string>();
        foreach (var name in inputs.Keys)
        {
            if (name is "input_ids" or "attention_mask" or "position_ids" or "use_cache_branch" || name == keepName)
            {
                continue;
            }

            var m = PastName().Match(name);
            if (!m.Success)
            {
                unknown.Add(name);
                continue;
            }

            var layer = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            layers.TryGetValue(layer, out var pair);
            layers[layer] = m.Groups[2].Value == "key" ? (name, pair.Value) : (pair.Key, name);
        }

        if (unknown.Count > 0)
        {
            throw EngineException.NotSupported(Fail($"takes inputs this runtime does not feed: {string.Join(", ", unknown)}"));
        }

        var pastNames = new List<string>();
        var outputNames = new List<string> { "logits" };
        if (!outputs.TryGetValue("logits", out var logits))
        {
            throw EngineException.NotSupported(Fail("has no logits output"));
        }

        var expected = 0;
        foreach (var (layer, pair) in layers)
        {
            if (layer != expected++ || pair.Key is null || pair.Value is null)
            {
                throw EngineException.NotSupported(Fail($"has an incomplete key/value cache at layer {layer}: every layer 0..n-1 needs past_key_values.{{i}}.key and .value"));
            }

            foreach (var (past, part) in new[] { (pair.Key, "key"), (pair.Value, "value") })
            {
                var present = $"present.{layer}.{part}";
                if (!outputs.ContainsKey(present))
                {
                    throw EngineException.NotSupported(Fail($"takes {past} but has no {present} output"));
                }

                pastNames.Add(past);
                outputNames.Add(present);
            }
        }

        var pastTypes = new TensorElementType[pastNames.Count];
        int kvHeads = 0, headDim = 0;
        for (var i = 0; i < pastNames.Count; i++)
        {
            var meta = inputs[pastNames[i]];
            pastTypes[i] = meta.ElementDataType;
            if (pastTypes[i] is not (TensorElementType.Float or TensorElementType.Float16 or TensorElementType.BFloat16))
            {
                throw EngineException.NotSupported(Fail($"keeps its cache {pastNames[i]} as {meta.ElementDataType}; supported: float32, float16, bfloat16"));
            }

            var dims = meta.Dimensions;
            if (dims.Length != 4)
            {
                throw EngineException.NotSupported(Fail($"has a cache input {pastNames[i]} of rank {dims.Length}; this runtime supports [batch, kv_heads, past_sequence, head_dim]"));
            }

            var h = dims[1] > 0 ? dims[1] : config.KeyValueHeads;
            var d = dims[3] > 0 ? dims[3] : config.HeadDim;
            if (h <= 0 || d <= 0)
            {
                throw EngineException.NotSupported(Fail($"leaves the heads or head size of {pastNames[i]} dynamic and config.json states neither num_key_value_heads nor head_dim / hidden_size"));
            }

            if (i == 0)
            {
                kvHeads = h;
                headDim = d;
            }
            else if (h != kvHeads || d != headDim)
            {
                throw EngineException.NotSupported(Fail("has cache inputs of different shapes across layers"));
            }
        }

        if (logits.ElementDataType is not (TensorElementType.Float or TensorElementType.Float16 or TensorElementType.BFloat16))
        {
            throw EngineException.NotSupported(Fail($"gives logits as {logits.ElementDataType}; supported: float32, float16, bfloat16"));
        }

        var vocab = logits.Dimensions.Length > 0 && logits.Dimensions[^1] > 0 ? logits.Dimensions[^1] : config.VocabularySize;
        if (vocab <= 0)
        {
            throw EngineException.NotSupported(Fail("leaves the vocabulary size dynamic and config.json has no vocab_size"));
        }

        var inputNames = new List<string> { "input_ids" };
        if (maskType is not null)
        {
            inputNames.Add("attention_mask");
        }

        if (positionType is not null)
        {
            inputNames.Add("position_ids");
        }

        if (hasBranch)
        {
            inputNames.Add("use_cache_branch");
        }

        if (keepName is not null)
        {
            inputNames.Add(keepName);
        }

        inputNames.AddRange(pastNames);
        return new DecoderSignature
        {
            InputNames = [.. inputNames],
            OutputNames = [.. outputNames],
            InputIdsType = idsType,
            AttentionMaskType = maskType,
            PositionIdsType = positionType,
            HasUseCacheBranch = hasBranch,
            LogitsToKeepName = keepName,
            LogitsToKeepType = keepType,
            PastNames = [.. pastNames],
            PastTypes = pastTypes,
            KeyValueHeads = kvHeads,
            HeadDim = headDim,
            LogitsType = logits.ElementDataType,
            VocabularySize = vocab,
        };
    }

    private static TensorElementType IndexType(NodeMetadata meta, string name, Func<string, string> fail)
        => meta.ElementDataType is TensorElementType.Int64 or TensorElementType.Int32
            ? meta.ElementDataType
            : throw EngineException.NotSupported(fail($"takes {name} as {meta.ElementDataType}; supported: int64, int32"));

    [GeneratedRegex(@"^past_key_values\.(\d+)\.(key|value)$", RegexOptions.CultureInvariant)]
    private static partial Regex PastName();
}
