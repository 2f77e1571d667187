using Bytez.Engine.Generation;
using Bytez.Engine.Layouts;
using Bytez.Engine.Tokenization;
using Bytez.Engine.Tokenization.HuggingFace;
using Microsoft.ML.OnnxRuntime;

namespace Bytez.Engine.Onnx.Generation;

/// <summary>
/// Finds and loads decoder-only language models exported in the Hugging Face Optimum / transformers.js layout:
/// <c>config.json</c>, <c>generation_config.json</c>, <c>tokenizer.json</c>, <c>tokenizer_config.json</c> and
/// <c>onnx/model.onnx</c>, <c>onnx/decoder_model_merged.onnx</c>, <c>onnx/decoder_with_past_model.onnx</c> or
/// <c>onnx/decoder_model.onnx</c> (or the same names at the folder's root), each possibly with a precision suffix
/// (<c>_fp16</c>, <c>_quantized</c>, <c>_q4</c>, ...).
/// </summary>
public static class OnnxDecoderLoader
{
    /// <summary>The file base names tried, in order (<see cref="OnnxLayout.DecoderNames"/>).</summary>
    private static IReadOnlyList<string> BaseNames => OnnxLayout.DecoderNames;

    /// <summary>
    /// Whether <paramref name="folder"/> holds an ONNX decoder-only language model: a <c>config.json</c> of a causal
    /// language model (its <c>architectures</c>, or a decoder file name) that is not encoder-decoder, and an ONNX
    /// decoder file. Reads only small JSON files; never throws for a folder that is not one.
    /// </summary>
    public static bool IsDecoderFolder(string folder)
    {
        if (string.IsNullOrEmpty(folder) || !File.Exists(Path.Combine(folder, "config.json")))
        {
            return false;
        }

        try
        {
            var file = FindModelFile(folder, null);
            if (file is null)
            {
                return false;
            }

            var config = DecoderModelConfig.Read(folder);
            return !config.IsEncoderDecoder
                && (config.IsCausalLanguageModel || Path.GetFileName(file).StartsWith("decoder_", StringComparison.Ordinal));
        }
        catch (EngineException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// The decoder file of a folder for a precision <paramref name="variant"/> (see <see cref="OnnxDecoderOptions.Variant"/>),
    /// looked for in <c>onnx/</c> and then the folder itself; <see langword="null"/> when there is none.
    /// </summary>
    public static string? FindModelFile(string folder, string? variant) => OnnxLayout.FindWeightsIn(folder, OnnxFamily.Decoder, variant)?[0];

    /// <summary>Loads the decoder folder of <paramref name="model"/> with full precision weights (or what the folder has).</summary>
    /// <exception cref="EngineException">The folder is not a decoder this runtime can run; the message names what is missing or unsupported.</exception>
    public static OnnxDecoderInstance Load(ModelDescriptor model, OnnxRuntimeOptions options, CancellationToken cancellationToken = default)
        => Load(model, options, OnnxDecoderOptions.Default, cancellationToken);

    /// <summary>Loads the decoder folder of <paramref name="model"/> with the weight variant <paramref name="decoderOptions"/> picks.</summary>
    /// <exception cref="EngineException">The folder is not a decoder this runtime can run; the message names what is missing or unsupported.</exception>
    public static OnnxDecoderInstance Load(
        ModelDescriptor model, OnnxRuntimeOptions options, OnnxDecoderOptions decoderOptions, CancellationToken cancellationToken = default)
        => Load(model, options, decoderOptions, TokenizerOptions.Default, cancellationToken);

    /// <summary>Loads the decoder folder of <paramref name="model"/>; its tokenizer keeps to <paramref name="tokenizerOptions"/>.</summary>
    /// <exception cref="EngineException">The folder is not a decoder this runtime can run; the message names what is missing or unsupported.</exception>
    public static OnnxDecoderInstance Load(
        ModelDescriptor model, OnnxRuntimeOptions options, OnnxDecoderOptions decoderOptions, TokenizerOptions tokenizerOptions,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizerOptions);
        tokenizerOptions.Validate();
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(decoderOptions);
        options.Validate();
        decoderOptions.Validate();
        var folder = model.Path;
        if (!Directory.Exists(folder))
        {
            throw EngineException.NotFound($"The model folder {folder} does not exist.");
        }

        // A variant asked for by a request (ModelVariants) wins over the configured one.
        var variant = model.Variant ?? decoderOptions.Variant;
        var onnx = FindModelFile(folder, variant);
        var missing = new List<string>();
        foreach (var file in new[] { "config.json", "tokenizer.json" })
        {
            if (!File.Exists(Path.Combine(folder, file)))
            {
                missing.Add(file);
            }
        }

        if (onnx is null)
        {
            missing.Add(variant is null
                ? "onnx/model.onnx (or onnx/decoder_model_merged.onnx, with or without a precision suffix)"
                : $"onnx/model{SuffixOf(variant)}.onnx (or onnx/decoder_model_merged{SuffixOf(variant)}.onnx) for the variant '{variant}'"
                    + AvailableVariants(folder));
        }

        if (missing.Count > 0)
        {
            throw EngineException.NotSupported($"The model folder {folder} is not a complete ONNX decoder: it lacks {string.Join(", ", missing)}.");
        }

        var config = DecoderModelConfig.Read(folder);
        if (config.IsEncoderDecoder)
        {
            throw EngineException.NotSupported($"The model in {folder} is an encoder-decoder ({config.ModelType}); the ONNX decoder runtime runs decoder-only models.");
        }

        var defaults = GenerationConfigReader.Read(folder);
        var chatTemplate = GenerationConfigReader.ReadChatTemplate(folder);
        var tokenizer = CreateTokenizer(folder, tokenizerOptions);
        cancellationToken.ThrowIfCancellationRequested();

        using var sessionOptions = OnnxSessions.CreateOptions(options, intraOpThreads: decoderOptions.EffectiveThreads);

        var session = OnnxSessions.Open(onnx!, sessionOptions);

        try
        {
            var signature = DecoderSignature.Read(session, config, onnx!);
            return new OnnxDecoderInstance(model, onnx!, session, signature, config, tokenizer, chatTemplate, defaults, decoderOptions);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>The tokenizer of the folder. The one place to switch when the tokenizer implementation changes.</summary>
    internal static ITextTokenizer CreateTokenizer(string folder, TokenizerOptions? options = null) => HfTokenizer.FromDirectory(folder, options);

    private static string SuffixOf(string variant) => OnnxLayout.SuffixOf(variant);

    private static string AvailableVariants(string folder)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var dir in new[] { Path.Combine(folder, "onnx"), folder })
        {
            if (!Directory.Exists(dir))
            {
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(dir, "*.onnx"))
            {
                var stem = Path.GetFileNameWithoutExtension(file);
                foreach (var name in BaseNames)
                {
                    if (stem == name)
                    {
                        found.Add("fp32");
                    }
                    else if (stem.StartsWith(name + "_", StringComparison.Ordinal))
                    {
                        var rest = stem[(name.Length + 1)..];
                        if (name == "decoder_model" && (rest.StartsWith("merged", StringComparison.Ordinal) || rest.StartsWith("with_past", StringComparison.Ordinal)))
                        {
                            continue;
                        }

                        found.Add(rest);
                    }
                }
            }
        }

        return found.Count == 0 ? string.Empty : $" (the folder has: {string.Join(", ", found)})";
    }
}
