using Bytez.Protocol;

namespace Bytez.Engine.Layouts;

/// <summary>The kinds of ONNX models, by the files they are made of.</summary>
public enum OnnxFamily
{
    /// <summary>One encoder graph (<c>model.onnx</c>): embeddings and every classification-style task.</summary>
    Encoder,

    /// <summary>One decoder-only language-model graph (<c>model.onnx</c> or <c>decoder_model_merged.onnx</c>, ...): text generation and chat.</summary>
    Decoder,

    /// <summary>
    /// An encoder-decoder set in the Optimum layout: <c>encoder_model.onnx</c> with <c>decoder_model_merged.onnx</c>,
    /// or with <c>decoder_model.onnx</c> and <c>decoder_with_past_model.onnx</c>: summarization, translation, text2text.
    /// </summary>
    Seq2Seq,
}

/// <summary>
/// The one place that knows which files make an ONNX model in the Hugging Face layouts that repositories really have:
/// Xenova/* and onnx-community/* (<c>onnx/model.onnx</c> and its precision variants <c>onnx/model_quantized.onnx</c>,
/// <c>_fp16</c>, <c>_int8</c>, <c>_uint8</c>, <c>_q4</c>, <c>_q4f16</c>, <c>_bnb4</c>), optimum/* (<c>model.onnx</c> at the
/// root), the seq2seq sets, external data (<c>.onnx_data</c>), and the configuration and tokenizer files read beside
/// them. The engine's formats and loaders find files with it; the hub planner gets it from the host (the hub project
/// does not reference the engine), so both choose the same files.
/// </summary>
public static class OnnxLayout
{
    /// <summary>The folders weights are looked for in, in order: <c>onnx/</c>, then the root (<c>""</c>).</summary>
    public static IReadOnlyList<string> Folders { get; } = ["onnx/", ""];

    /// <summary>
    /// The file-name suffix of each precision variant, by the transformers.js <c>dtype</c> names
    /// (<c>DEFAULT_DTYPE_SUFFIX_MAPPING</c>); <c>quantized</c> is accepted for <c>q8</c>.
    /// </summary>
    public static IReadOnlyDictionary<string, string> VariantSuffixes { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["fp32"] = string.Empty,
        ["fp16"] = "_fp16",
        ["q8"] = "_quantized",
        ["quantized"] = "_quantized",
        ["int8"] = "_int8",
        ["uint8"] = "_uint8",
        ["q4"] = "_q4",
        ["q4f16"] = "_q4f16",
        ["bnb4"] = "_bnb4",
    };

    /// <summary>The variants tried, in order, when none is configured: full precision first, then what a repository may have instead.</summary>
    public static IReadOnlyList<string> FallbackVariants { get; } = ["fp32", "fp16", "q8", "int8", "uint8", "q4", "q4f16", "bnb4"];

    /// <summary>The base names of a decoder-only graph, in order: one graph for prefill and decode first, the no-cache export last.</summary>
    public static IReadOnlyList<string> DecoderNames { get; } = ["model", "decoder_model_merged", "decoder_with_past_model", "decoder_model"];

    /// <summary>
    /// The configuration and tokenizer files read when present, in download order (model config, generation config,
    /// tokenizer files, chat templates, the sentence-transformers configuration); module folders'
    /// <c>N_Name/config.json</c> too (see <see cref="IsSupportFile"/>).
    /// </summary>
    public static IReadOnlyList<string> SupportFiles { get; } =
    [
        "config.json",
        "generation_config.json",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "added_tokens.json",
        "vocab.txt",
        "vocab.json",
        "merges.txt",
        "source.spm",
        "target.spm",
        "spiece.model",
        "sentencepiece.bpe.model",
        "chat_template.jinja",
        "chat_template.json",
        "preprocessor_config.json",
        "modules.json",
        "sentence_bert_config.json",
        "config_sentence_transformers.json",
    ];

    /// <summary>
    /// <c>model_type</c>s of encoder-decoder models (transformers' <c>is_encoder_decoder</c> models), for telling a seq2seq
    /// repository apart from metadata alone.
    /// </summary>
    public static IReadOnlySet<string> EncoderDecoderModelTypes { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "t5", "mt5", "umt5", "longt5", "switch_transformers", "bart", "mbart", "plbart", "mvp", "marian", "pegasus",
        "pegasus_x", "bigbird_pegasus", "blenderbot", "blenderbot-small", "blenderbot_small", "m2m_100", "nllb_moe",
        "fsmt", "led", "prophetnet", "xlm-prophetnet", "whisper", "moonshine", "speech_to_text", "speecht5",
        "seamless_m4t", "seamless_m4t_v2", "encoder-decoder", "vision-encoder-decoder", "speech-encoder-decoder",
        "florence2", "pix2struct", "musicgen", "musicgen_melody",
    };

    /// <summary>
    /// The family that serves a task: decoders for text generation and chat, encoder-decoder sets for summarization,
    /// translation (<c>translation_xx_to_yy</c> too) and text2text generation, an encoder for everything else.
    /// </summary>
    public static OnnxFamily FamilyOf(string task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return task switch
        {
            BytezTasks.TextGeneration or BytezTasks.Chat => OnnxFamily.Decoder,
            "summarization" or "translation" or "text2text-generation" or "image-to-text" => OnnxFamily.Seq2Seq,
            _ when task.StartsWith("translation_", StringComparison.Ordinal) => OnnxFamily.Seq2Seq,
            _ => OnnxFamily.Encoder,
        };
    }

    /// <summary>
    /// The family that serves a task for a given model: as <see cref="FamilyOf(string)"/>, except that
    /// <c>automatic-speech-recognition</c> is served by an encoder-decoder set when the model is one (Whisper, its
    /// <c>encoder_model.onnx</c> + decoder) and by one encoder otherwise (wav2vec2-style CTC models).
    /// </summary>
    /// <param name="task">The task.</param>
    /// <param name="encoderDecoder">Whether the model is an encoder-decoder (its <c>model_type</c> or its files say so).</param>
    public static OnnxFamily FamilyOf(string task, bool encoderDecoder)
    {
        ArgumentNullException.ThrowIfNull(task);
        return task == BytezTasks.AutomaticSpeechRecognition && encoderDecoder ? OnnxFamily.Seq2Seq : FamilyOf(task);
    }

    /// <summary>
    /// The files besides the weights without which a one-graph (encoder family) model of a task cannot run, as groups of
    /// which one file each must be present: images and sound need <c>config.json</c> and <c>preprocessor_config.json</c>
    /// (a CTC speech model its <c>vocab.json</c> too, a CLIP-style model its <c>tokenizer.json</c>); text-to-speech (VITS)
    /// <c>config.json</c> and its character <c>vocab.json</c>; every text task a <c>tokenizer.json</c> or a WordPiece
    /// <c>vocab.txt</c>. The planner refuses a repository that lacks one, naming it, before anything is downloaded.
    /// </summary>
    /// <param name="task">The task the model is served under.</param>
    public static IReadOnlyList<IReadOnlyList<string>> RequiredEncoderFiles(string task)
    {
        ArgumentNullException.ThrowIfNull(task);
        const string Config = "config.json";
        const string Preprocessor = "preprocessor_config.json";
        return task switch
        {
            BytezTasks.TextToSpeech => [[Config], ["vocab.json"]],
            BytezTasks.AutomaticSpeechRecognition => [[Config], [Preprocessor], ["vocab.json"]],
            BytezTasks.ZeroShotImageClassification => [[Config], [Preprocessor], ["tokenizer.json"]],
            _ when Tensors.TensorTasks.All.Contains(task) => [[Config], [Preprocessor]],
            _ => [["tokenizer.json", "vocab.txt"]],
        };
    }

    /// <summary>The suffix of a variant name (see <see cref="VariantSuffixes"/>).</summary>
    /// <exception cref="EngineException">The name is not a known variant (kind <see cref="EngineErrorKind.BadInput"/>).</exception>
    public static string SuffixOf(string variant)
    {
        ArgumentNullException.ThrowIfNull(variant);
        return variant.Length == 0 ? string.Empty
            : VariantSuffixes.TryGetValue(variant.Trim(), out var suffix) ? suffix
            : "_" + variant.Trim().ToLowerInvariant();
    }

    /// <summary>
    /// The file sets that make a model of <paramref name="family"/>, as paths relative to the model folder with <c>/</c>,
    /// best first: for each variant (the one given, or <see cref="FallbackVariants"/>), in <c>onnx/</c> then at the root.
    /// A set is usable when every file of it is present; its first file is the one that names the model.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<string>> WeightSets(OnnxFamily family, string? variant)
    {
        var suffixes = string.IsNullOrWhiteSpace(variant) ? FallbackVariants.Select(SuffixOf).ToList() : [SuffixOf(variant)];
        var sets = new List<IReadOnlyList<string>>();
        foreach (var suffix in suffixes)
        {
            foreach (var folder in Folders)
            {
                switch (family)
                {
                    case OnnxFamily.Encoder:
                        sets.Add([folder + "model" + suffix + ".onnx"]);
                        break;
                    case OnnxFamily.Decoder:
                        sets.AddRange(DecoderNames.Select(name => (IReadOnlyList<string>)[folder + name + suffix + ".onnx"]));
                        break;
                    case OnnxFamily.Seq2Seq:
                        sets.Add([folder + "encoder_model" + suffix + ".onnx", folder + "decoder_model_merged" + suffix + ".onnx"]);
                        sets.Add([folder + "encoder_model" + suffix + ".onnx", folder + "decoder_model" + suffix + ".onnx", folder + "decoder_with_past_model" + suffix + ".onnx"]);
                        break;
                    default:
                        throw new ArgumentOutOfRangeException(nameof(family), family, null);
                }
            }
        }

        return sets;
    }

    /// <summary>
    /// The first usable weight set of a family among <paramref name="exists"/>'s files (relative paths with <c>/</c>),
    /// or <see langword="null"/>.
    /// </summary>
    public static IReadOnlyList<string>? FindWeights(OnnxFamily family, string? variant, Func<string, bool> exists)
    {
        ArgumentNullException.ThrowIfNull(exists);
        return WeightSets(family, variant).FirstOrDefault(set => set.All(exists));
    }

    /// <summary>The first usable weight set of a family in a folder on disk, as full paths, or <see langword="null"/>.</summary>
    public static IReadOnlyList<string>? FindWeightsIn(string folder, OnnxFamily family, string? variant)
    {
        ArgumentNullException.ThrowIfNull(folder);
        return FindWeights(family, variant, relative => File.Exists(Path.Combine(folder, relative)))
            ?.Select(relative => Path.Combine(folder, relative.Replace('/', Path.DirectorySeparatorChar)))
            .ToList();
    }

    /// <summary>
    /// Whether a path is the external data of an ONNX file: <c>&lt;file&gt;_data</c>, <c>&lt;file&gt;_data_1</c>, ...
    /// (Optimum's <c>model.onnx_data</c>) or <c>&lt;file&gt;.data</c>, in the same folder.
    /// </summary>
    public static bool IsExternalDataOf(string path, string onnxPath)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(onnxPath);
        if (!path.StartsWith(onnxPath, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = path[onnxPath.Length..];
        return (rest.StartsWith("_data", StringComparison.Ordinal) || rest == ".data") && !rest.Contains('/', StringComparison.Ordinal);
    }

    /// <summary>
    /// Whether a repository path is a configuration or tokenizer file the engine reads (<see cref="SupportFiles"/>, or a
    /// sentence-transformers module's <c>N_Name/config.json</c>).
    /// </summary>
    public static bool IsSupportFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (SupportFiles.Contains(path, StringComparer.Ordinal))
        {
            return true;
        }

        var slash = path.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 1 || path[(slash + 1)..] != "config.json")
        {
            return false;
        }

        var module = path[..slash];
        var underscore = module.IndexOf('_', StringComparison.Ordinal);
        return underscore > 0 && underscore < module.Length - 1 && module[..underscore].All(char.IsAsciiDigit);
    }

    /// <summary>
    /// The variants of a family present among some paths (<c>fp32</c> for the full-precision names; the suffix's name for
    /// others, <c>q8</c> for <c>_quantized</c>), sorted, for messages.
    /// </summary>
    public static IReadOnlyList<string> VariantsPresent(OnnxFamily family, IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var present = paths.ToHashSet(StringComparer.Ordinal);
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (name, _) in VariantSuffixes.Where(v => v.Key != "quantized"))
        {
            if (WeightSets(family, name).Any(set => set.All(present.Contains)))
            {
                found.Add(name);
            }
        }

        // Suffixes this table does not know, named by what follows the base name.
        foreach (var path in present.Where(p => p.EndsWith(".onnx", StringComparison.Ordinal)))
        {
            var folder = Folders.FirstOrDefault(f => f.Length > 0 && path.StartsWith(f, StringComparison.Ordinal) && path.IndexOf('/', f.Length) < 0)
                ?? (path.Contains('/', StringComparison.Ordinal) ? null : string.Empty);
            if (folder is null)
            {
                continue;
            }

            var stem = path[folder.Length..^".onnx".Length];
            var first = family switch
            {
                OnnxFamily.Encoder => ["model"],
                OnnxFamily.Decoder => DecoderNames,
                _ => (IReadOnlyList<string>)["encoder_model"],
            };
            foreach (var name in first.Where(n => stem.StartsWith(n + "_", StringComparison.Ordinal)))
            {
                var rest = stem[(name.Length + 1)..];
                if (rest.Length > 0 && !rest.StartsWith("merged", StringComparison.Ordinal) && !rest.StartsWith("with_past", StringComparison.Ordinal)
                    && !VariantSuffixes.Values.Contains("_" + rest, StringComparer.Ordinal))
                {
                    found.Add(rest);
                }
            }
        }

        return [.. found];
    }
}
