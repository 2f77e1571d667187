namespace Bytez.Hub.Planning;

/// <summary>
/// The file names the engine looks for in a model folder, duplicated here because the hub project does not reference
/// the engine. Keep each list in step with the engine file named on it.
/// </summary>
internal static class EngineLayout
{
    /// <summary>The tasks served by a decoder (ONNX decoder or llama.cpp); every other task is served by an ONNX encoder.</summary>
    public static readonly string[] DecoderTasks = ["text-generation", "chat"];

    /// <summary>Decoder base names, in the order tried. Mirrors <c>BaseNames</c> in src/Bytez.Engine.Onnx/Generation/OnnxDecoderLoader.cs.</summary>
    public static readonly string[] DecoderBaseNames = ["model", "decoder_model_merged", "decoder_with_past_model", "decoder_model"];

    /// <summary>Precision suffixes tried when no variant is asked for. Mirrors <c>FallbackSuffixes</c> in src/Bytez.Engine.Onnx/Generation/OnnxDecoderLoader.cs.</summary>
    public static readonly string[] DecoderFallbackSuffixes = ["", "_fp16", "_quantized", "_int8", "_uint8", "_q4", "_q4f16", "_bnb4"];

    /// <summary>The folders a decoder file is looked for in, in order ("" is the root). Mirrors <c>FindModelFile</c> in OnnxDecoderLoader.cs.</summary>
    public static readonly string[] DecoderFolders = ["onnx/", ""];

    /// <summary>The ONNX file of an embedding model, in order. Mirrors <c>FindOnnxFile</c> in src/Bytez.Engine.Onnx/SentenceTransformerConfig.cs.</summary>
    public static readonly string[] EncoderFiles = ["onnx/model.onnx", "model.onnx"];

    /// <summary>
    /// The configuration and tokenizer files the engine reads when present (src/Bytez.Engine.Onnx/Generation/GenerationConfigReader.cs,
    /// DecoderModelConfig.cs, SentenceTransformerConfig.cs, src/Bytez.Engine/Tokenization), in download order.
    /// </summary>
    public static readonly string[] SupportFiles =
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
        "chat_template.jinja",
        "chat_template.json",
        "modules.json",
        "sentence_bert_config.json",
        "config_sentence_transformers.json",
    ];

    /// <summary>
    /// <c>model_type</c>s of encoder-decoder models, which the ONNX decoder runtime refuses
    /// (src/Bytez.Engine.Onnx/Generation/DecoderModelConfig.cs reads <c>is_encoder_decoder</c>, which the hub's metadata lacks).
    /// </summary>
    public static readonly HashSet<string> EncoderDecoderModelTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        "t5", "mt5", "umt5", "longt5", "switch_transformers", "bart", "mbart", "plbart", "mvp", "marian", "pegasus",
        "pegasus_x", "bigbird_pegasus", "blenderbot", "blenderbot-small", "blenderbot_small", "m2m_100", "nllb_moe",
        "fsmt", "led", "prophetnet", "xlm-prophetnet", "whisper", "moonshine", "speech_to_text", "speecht5",
        "seamless_m4t", "seamless_m4t_v2", "encoder-decoder", "vision-encoder-decoder", "speech-encoder-decoder",
        "florence2", "pix2struct", "musicgen", "musicgen_melody",
    };

    /// <summary>The suffix a variant name (transformers.js <c>dtype</c>) maps to. Mirrors <c>SuffixOf</c> in OnnxDecoderLoader.cs.</summary>
    public static string SuffixOf(string variant) => variant.ToLowerInvariant() switch
    {
        "" or "fp32" => string.Empty,
        "q8" => "_quantized",
        var v => "_" + v,
    };

    /// <summary>Whether an architecture names a causal language model. Mirrors <c>IsCausalLanguageModel</c> in DecoderModelConfig.cs.</summary>
    public static bool IsCausalLanguageModel(string architecture) =>
        architecture.EndsWith("ForCausalLM", StringComparison.Ordinal) || architecture.EndsWith("LMHeadModel", StringComparison.Ordinal);
}
