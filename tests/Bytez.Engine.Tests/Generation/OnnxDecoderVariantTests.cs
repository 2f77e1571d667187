using Bytez.Engine.Generation;
using Bytez.Engine.Onnx;
using Bytez.Engine.Onnx.Generation;
using Bytez.Testing.TinyModels;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace Bytez.Engine.Tests.Generation;

/// <summary>
/// The precision variants onnx-community publishes (fp16 weights, dynamic int8, 4-bit MatMulNBits with and without zero
/// points, q4f16), written from one seed beside the fp32 file: each loads through the engine's loader and decodes greedily
/// to the same tokens as ONNX Runtime GenAI 0.18.0's generator on the same file; the variant chosen per request
/// (<see cref="ModelVariants"/>) names its file, size and errors.
/// </summary>
public sealed class OnnxDecoderVariantTests : IDisposable
{
    private const int NewTokens = 12;
    private readonly OnnxDecoderTestFolder _folder = new();

    public static TheoryData<OnnxDecoderWeights, bool, bool> Variants => new()
    {
        { OnnxDecoderWeights.Float32, false, false },
        { OnnxDecoderWeights.Float16, false, false },
        { OnnxDecoderWeights.Float16, true, false },
        { OnnxDecoderWeights.Int8, false, false },
        { OnnxDecoderWeights.Q4, false, false },
        { OnnxDecoderWeights.Q4, false, true },
        { OnnxDecoderWeights.Q4F16, true, false },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task Load_Variant_GreedyTokensEqualOnnxRuntimeGenAi(OnnxDecoderWeights weights, bool float16Io, bool zeroPoints)
    {
        var options = Tiny with { Weights = weights, Float16Io = float16Io, Q4ZeroPoints = zeroPoints };
        var model = _folder.Write("m", Tiny);
        var path = OnnxDecoderModelWriter.WriteVariant(model.Folder, options);
        var dtype = OnnxDecoderModelWriter.DtypeOf(weights);

        using var instance = OnnxDecoderTestFolder.Load(model, new OnnxDecoderOptions { Variant = dtype });
        var prompt = instance.Tokenizer.Encode("the weather in the north", addSpecialTokens: true);
        var ours = await GreedyAsync(instance, prompt);
        var genAi = GenAiGreedy(model.Folder, "onnx/" + Path.GetFileName(path), options, prompt);

        Assert.Equal(path, instance.ModelPath);
        Assert.Equal(genAi, ours);
        Assert.True(ours.Distinct().Count() > 3, $"greedy ids should vary to make the comparison meaningful: {string.Join(' ', ours)}");
    }

    [Fact]
    public async Task Load_EachVariant_GreedyTextEqualsTransformersJs()
    {
        // transformers.js picks the file by its dtype and feeds the cache in the type the graph declares.
        var model = _folder.Write("m", Tiny);
        var variants = new[] { OnnxDecoderWeights.Float32, OnnxDecoderWeights.Float16, OnnxDecoderWeights.Int8, OnnxDecoderWeights.Q4, OnnxDecoderWeights.Q4F16 };
        foreach (var weights in variants.Skip(1))
        {
            OnnxDecoderModelWriter.WriteVariant(model.Folder, Tiny with { Weights = weights, Float16Io = weights is OnnxDecoderWeights.Float16 or OnnxDecoderWeights.Q4F16 });
        }

        const string Prompt = "the weather in the north";
        var options = new System.Text.Json.Nodes.JsonObject { ["max_new_tokens"] = NewTokens, ["min_new_tokens"] = NewTokens, ["do_sample"] = false, ["return_full_text"] = false };
        var oracle = await TransformersJs.RunAsync(_folder.Root,
            [.. variants.Select(w => new TransformersJsRequest("text-generation", "m", Prompt, (System.Text.Json.Nodes.JsonObject)options.DeepClone(), OnnxDecoderModelWriter.DtypeOf(w)))],
            TestContext.Current.CancellationToken);

        for (var i = 0; i < variants.Length; i++)
        {
            using var instance = OnnxDecoderTestFolder.Load(model, new OnnxDecoderOptions { Variant = OnnxDecoderModelWriter.DtypeOf(variants[i]) });
            var ours = instance.Tokenizer.Decode(await GreedyAsync(instance, instance.Tokenizer.Encode(Prompt, addSpecialTokens: true)), true);
            Assert.Equal(oracle[i][0].GetProperty("generated_text").GetString(), ours);
        }
    }

    [Theory]
    [InlineData(OnnxDecoderWeights.Float16, 0.999)]
    [InlineData(OnnxDecoderWeights.Int8, 0.95)]
    [InlineData(OnnxDecoderWeights.Q4, 0.8)]
    [InlineData(OnnxDecoderWeights.Q4F16, 0.8)]
    public async Task Load_Variant_LogitsAreQuantizedFullPrecisionOnes(OnnxDecoderWeights weights, double minCosine)
    {
        var model = _folder.Write("m", Tiny);
        OnnxDecoderModelWriter.WriteVariant(model.Folder, Tiny with { Weights = weights });
        using var full = OnnxDecoderTestFolder.Load(model);
        using var variant = OnnxDecoderTestFolder.Load(model, new OnnxDecoderOptions { Variant = OnnxDecoderModelWriter.DtypeOf(weights) });
        var prompt = full.Tokenizer.Encode("a short prompt", addSpecialTokens: true);

        var a = await FirstLogitsAsync(full, prompt);
        var b = await FirstLogitsAsync(variant, prompt);

        var cosine = Cosine(a, b);
        Assert.True(cosine >= minCosine && cosine < 1 - 1e-9, $"cosine of {weights} logits to fp32's: {cosine} (expected in [{minCosine}, 1))");
        Assert.True(new FileInfo(variant.ModelPath).Length < new FileInfo(full.ModelPath).Length, "a variant file is smaller than fp32's");
    }

    [Fact]
    public void Select_VariantPresent_DescribesItsFileAndSize()
    {
        var model = WriteAll();
        var listed = Describe(model.Folder);

        var q4 = ModelVariants.Select(listed, "q4");
        var q8 = ModelVariants.Select(listed, "quantized");

        Assert.Equal("onnx/model.onnx", listed.WeightFiles[0]);
        Assert.Same(listed, ModelVariants.Select(listed, "fp32"));
        Assert.Equal(listed.Id + ":q4", q4.Id);
        Assert.Equal("q4", q4.Variant);
        Assert.Equal(["onnx/model_q4.onnx"], q4.WeightFiles);
        Assert.Equal(new FileInfo(Path.Combine(model.Folder, "onnx", "model_q4.onnx")).Length, q4.WeightBytes);
        Assert.Equal(listed.EstimatedRamBytes - listed.WeightBytes, q4.EstimatedRamBytes - q4.WeightBytes);
        Assert.True(q4.EstimatedRamBytes < listed.EstimatedRamBytes);
        Assert.Equal(listed.Id + ":q8", q8.Id);
        Assert.Equal(["onnx/model_quantized.onnx"], q8.WeightFiles);
    }

    [Fact]
    public void Select_VariantMissing_NotFoundNamingThoseThere()
    {
        var listed = Describe(WriteAll().Folder);

        var e = Assert.Throws<EngineException>(() => ModelVariants.Select(listed, "bnb4"));

        Assert.Equal(EngineErrorKind.NotFound, e.Kind);
        Assert.Contains("model_bnb4.onnx", e.Message, StringComparison.Ordinal);
        Assert.Contains("fp16, fp32, q4, q4f16, q8", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("q3")]
    [InlineData("../../etc/passwd")]
    [InlineData("Q4 ")]
    public void Select_UnknownName_BadInputListingNames(string name)
    {
        var listed = Describe(WriteAll().Folder);

        var e = Record.Exception(() => ModelVariants.Select(listed, name));

        // "Q4 " is the known name q4 in another case: names are case-insensitive, as the configuration's are.
        if (name == "Q4 ")
        {
            Assert.Null(e);
            return;
        }

        var engine = Assert.IsType<EngineException>(e);
        Assert.Equal(EngineErrorKind.BadInput, engine.Kind);
        Assert.Contains("fp32, fp16, q8, int8, uint8, q4, q4f16, bnb4", engine.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Select_ModelWithoutOnnxVariants_BadInput()
    {
        var gguf = new ModelDescriptor { Id = "org/llama", Task = "chat", Path = _folder.Root, WeightFiles = ["llama.gguf"], Format = "gguf" };

        var e = Assert.Throws<EngineException>(() => ModelVariants.Select(gguf, "q4"));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains("org/llama", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_RequestVariant_WinsOverConfiguredOne()
    {
        var model = WriteAll();
        var q4 = ModelVariants.Select(Describe(model.Folder), "q4");

        using var instance = OnnxDecoderLoader.Load(q4, OnnxDecoderTestFolder.RuntimeOptions, new OnnxDecoderOptions { Variant = "fp16" }, TestContext.Current.CancellationToken);
        var logits = await FirstLogitsAsync(instance, [1, 2, 3]);

        Assert.EndsWith("model_q4.onnx", instance.ModelPath, StringComparison.Ordinal);
        Assert.Equal(instance.VocabularySize, logits.Length);
    }

    [Fact]
    public void Describe_ConfiguredVariant_EstimatesThatFile()
    {
        var model = WriteAll();

        var q4 = new OnnxModelFormat(OnnxDecoderOptions.Default with { Variant = "q4" }).TryDescribe("test/all", model.Folder, null)!;
        var absent = new OnnxModelFormat(OnnxDecoderOptions.Default with { Variant = "bnb4" }).TryDescribe("test/all", model.Folder, null)!;

        Assert.Equal(["onnx/model_q4.onnx"], q4.WeightFiles);
        Assert.Equal(OnnxModelFormat.WeightBytes(Path.Combine(model.Folder, "onnx", "model_q4.onnx")), q4.WeightBytes);
        Assert.Equal(["onnx/model.onnx"], absent.WeightFiles);
    }

    public void Dispose() => _folder.Dispose();

    /// <summary>A tiny Llama (SmolLM2's layout): 2 layers, hidden 64, 4 heads / 2 key/value heads, MLP 128 (both multiples of the 4-bit block).</summary>
    private static OnnxDecoderModelOptions Tiny => new()
    {
        Architecture = OnnxDecoderArchitecture.Llama,
        Layers = 2,
        Hidden = 64,
        Heads = 4,
        KeyValueHeads = 2,
        IntermediateSize = 128,
        Seed = 77,
    };

    private OnnxDecoderModel WriteAll()
    {
        var model = _folder.Write("all", Tiny);
        foreach (var weights in new[] { OnnxDecoderWeights.Float16, OnnxDecoderWeights.Int8, OnnxDecoderWeights.Q4, OnnxDecoderWeights.Q4F16 })
        {
            OnnxDecoderModelWriter.WriteVariant(model.Folder, Tiny with { Weights = weights });
        }

        return model;
    }

    private static ModelDescriptor Describe(string folder) => new OnnxModelFormat().TryDescribe("test/" + Path.GetFileName(folder), folder, null)
        ?? throw new InvalidOperationException("not a model folder");

    /// <summary>Greedy decoding through the engine's decoder sequence, end-of-sequence ids masked, exactly <see cref="NewTokens"/> tokens.</summary>
    private static async Task<int[]> GreedyAsync(OnnxDecoderInstance instance, int[] prompt)
    {
        var banned = (instance.Defaults.EosTokenIds ?? instance.Tokenizer.EosTokenIds).ToHashSet();
        using var sequence = instance.CreateSequence();
        var ids = new List<int>();
        var logits = await sequence.ForwardAsync(prompt, TestContext.Current.CancellationToken);
        while (true)
        {
            var span = logits.Span;
            var best = -1;
            for (var i = 0; i < span.Length; i++)
            {
                if (!banned.Contains(i) && (best < 0 || span[i] > span[best]))
                {
                    best = i;
                }
            }

            ids.Add(best);
            if (ids.Count == NewTokens)
            {
                return [.. ids];
            }

            logits = await sequence.ForwardAsync(new[] { best }, TestContext.Current.CancellationToken);
        }
    }

    private static async Task<float[]> FirstLogitsAsync(OnnxDecoderInstance instance, int[] prompt)
    {
        using var sequence = instance.CreateSequence();
        return (await sequence.ForwardAsync(prompt, TestContext.Current.CancellationToken)).ToArray();
    }

    /// <summary>ONNX Runtime GenAI's greedy generator on <paramref name="decoderFile"/> of the folder: end-of-sequence held back by <c>min_length</c>.</summary>
    private static int[] GenAiGreedy(string folder, string decoderFile, OnnxDecoderModelOptions options, int[] prompt)
    {
        OnnxDecoderModelWriter.WriteGenAiConfig(folder, decoderFile, options);
        using var config = new Config(folder);
        config.ClearProviders();
        config.Overlay("{\"model\":{\"decoder\":{\"session_options\":{\"intra_op_num_threads\":1,\"inter_op_num_threads\":1}}}}");
        using var model = new Model(config);
        using var parameters = new GeneratorParams(model);
        parameters.SetSearchOption("max_length", prompt.Length + NewTokens);
        parameters.SetSearchOption("min_length", prompt.Length + NewTokens);
        parameters.SetSearchOption("do_sample", false);
        using var generator = new Generator(model, parameters);
        generator.AppendTokens(prompt);
        var ids = new List<int>();
        while (!generator.IsDone() && ids.Count < NewTokens)
        {
            generator.GenerateNextToken();
            ids.Add(generator.GetSequence(0)[^1]);
        }

        return [.. ids];
    }

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }
}
