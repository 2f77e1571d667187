using Bytez.Engine.Layouts;
using Bytez.Engine.Onnx.Generation;
using Bytez.Engine.Tokenization;

namespace Bytez.Engine.Onnx.Seq2Seq;

/// <summary>How the decoder of an encoder-decoder export is split into files.</summary>
public enum Seq2SeqDecoderLayout
{
    /// <summary><c>decoder_model_merged.onnx</c>: one graph, a <c>use_cache_branch</c> input choosing the first step or a cached one.</summary>
    Merged,

    /// <summary><c>decoder_model.onnx</c> for the first step, <c>decoder_with_past_model.onnx</c> for the others.</summary>
    Split,

    /// <summary><c>decoder_model.onnx</c> alone (an export without <c>-with-past</c>): every step runs all decoder tokens.</summary>
    NoCache,
}

/// <summary>The ONNX files of an encoder-decoder folder.</summary>
/// <param name="Encoder">The encoder.</param>
/// <param name="Decoder">The merged decoder, or the first-step decoder.</param>
/// <param name="DecoderWithPast">The cached-step decoder of the split layout.</param>
/// <param name="Layout">Which layout.</param>
public sealed record Seq2SeqFiles(string Encoder, string Decoder, string? DecoderWithPast, Seq2SeqDecoderLayout Layout);

/// <summary>
/// Finds and loads encoder-decoder models (BART, T5, Marian, mBART, ...) exported in the Hugging Face Optimum /
/// transformers.js layout (<c>text2text-generation-with-past</c>): <c>config.json</c>, <c>tokenizer.json</c>,
/// <c>encoder_model.onnx</c> and <c>decoder_model_merged.onnx</c> or <c>decoder_model.onnx</c> (+
/// <c>decoder_with_past_model.onnx</c>), under <c>onnx/</c> or at the folder's root.
/// </summary>
public static class OnnxSeq2SeqLoader
{
    /// <summary>
    /// The files of the folder in the layout preferred (merged, then split, each in full precision first and then in the
    /// first variant present, as <see cref="OnnxLayout"/> orders them; then without cache); <see langword="null"/> when it
    /// has no encoder-decoder export.
    /// </summary>
    public static Seq2SeqFiles? FindFiles(string folder)
    {
        // The layouts the hub downloads (OnnxLayout: full precision first, then the variants a repository has instead).
        switch (OnnxLayout.FindWeightsIn(folder, OnnxFamily.Seq2Seq, null))
        {
            case [var encoder, var merged]:
                return new Seq2SeqFiles(encoder, merged, null, Seq2SeqDecoderLayout.Merged);
            case [var encoder, var first, var withPast]:
                return new Seq2SeqFiles(encoder, first, withPast, Seq2SeqDecoderLayout.Split);
        }

        foreach (var dir in new[] { Path.Combine(folder, "onnx"), folder })
        {
            string Path_(string name) => Path.Combine(dir, name + ".onnx");
            if (!File.Exists(Path_("encoder_model")))
            {
                continue;
            }

            if (File.Exists(Path_("decoder_model_merged")))
            {
                return new Seq2SeqFiles(Path_("encoder_model"), Path_("decoder_model_merged"), null, Seq2SeqDecoderLayout.Merged);
            }

            if (File.Exists(Path_("decoder_model")))
            {
                return File.Exists(Path_("decoder_with_past_model"))
                    ? new Seq2SeqFiles(Path_("encoder_model"), Path_("decoder_model"), Path_("decoder_with_past_model"), Seq2SeqDecoderLayout.Split)
                    : new Seq2SeqFiles(Path_("encoder_model"), Path_("decoder_model"), null, Seq2SeqDecoderLayout.NoCache);
            }
        }

        return null;
    }

    /// <summary>
    /// Whether <paramref name="folder"/> holds an ONNX encoder-decoder model: a <c>config.json</c>, an encoder and a
    /// decoder file. Reads no weights; never throws for a folder that is not one. The model format and the runtime
    /// call it to recognise summarization / translation / text2text-generation folders.
    /// </summary>
    public static bool IsSeq2SeqFolder(string folder)
        => !string.IsNullOrEmpty(folder) && File.Exists(Path.Combine(folder, "config.json")) && FindFiles(folder) is not null;

    /// <summary>
    /// The task a folder's model is listed under when nothing else names one: <c>translation</c> for Marian and M2M100
    /// models, <c>summarization</c> when <c>task_specific_params</c> names only summarization (BART-CNN), else
    /// <c>text2text-generation</c>; Whisper-style speech models (<c>whisper</c>, <c>speech_to_text</c>, <c>moonshine</c>,
    /// <c>speech-encoder-decoder</c>) <c>automatic-speech-recognition</c> and <c>vision-encoder-decoder</c> models
    /// <c>image-to-text</c>, so that they are never listed under a text task.
    /// </summary>
    public static string GuessTask(string folder)
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "config.json")));
            var root = doc.RootElement;
            var type = root.ValueKind == System.Text.Json.JsonValueKind.Object && root.TryGetProperty("model_type", out var t) ? t.ToString() : string.Empty;
            if (type is "marian" or "m2m_100" or "nllb_moe")
            {
                return "translation";
            }

            // Speech and image encoder-decoders are never text tasks: their own tasks' pipelines serve them.
            if (type is "whisper" or "speech_to_text" or "moonshine" or "speech-encoder-decoder")
            {
                return Bytez.Protocol.BytezTasks.AutomaticSpeechRecognition;
            }

            if (type is "vision-encoder-decoder")
            {
                return "image-to-text";
            }

            if (root.ValueKind == System.Text.Json.JsonValueKind.Object && root.TryGetProperty("task_specific_params", out var tsp)
                && tsp.ValueKind == System.Text.Json.JsonValueKind.Object && tsp.EnumerateObject().Select(p => p.Name).ToArray() is ["summarization"])
            {
                return "summarization";
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
        }

        return "text2text-generation";
    }

    /// <summary>Loads the encoder-decoder folder of <paramref name="model"/>.</summary>
    /// <exception cref="EngineException">The folder is not an encoder-decoder this runtime can run; the message names what is missing or unsupported.</exception>
    public static OnnxSeq2SeqInstance Load(
        ModelDescriptor model, OnnxRuntimeOptions options, TokenizerOptions? tokenizerOptions = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var folder = model.Path;
        if (!Directory.Exists(folder))
        {
            throw EngineException.NotFound($"The model folder {folder} does not exist.");
        }

        var files = FindFiles(folder);
        var missing = new List<string>();
        foreach (var file in new[] { "config.json", "tokenizer.json" })
        {
            if (!File.Exists(Path.Combine(folder, file)))
            {
                missing.Add(file);
            }
        }

        if (files is null)
        {
            missing.Add("onnx/encoder_model.onnx with onnx/decoder_model_merged.onnx (or onnx/decoder_model.onnx and onnx/decoder_with_past_model.onnx)");
        }

        if (missing.Count > 0)
        {
            throw EngineException.NotSupported($"The model folder {folder} is not a complete ONNX encoder-decoder: it lacks {string.Join(", ", missing)}.");
        }

        var config = Seq2SeqModelConfig.Read(folder);
        var tokenizer = OnnxDecoderLoader.CreateTokenizer(folder, tokenizerOptions ?? TokenizerOptions.Default);
        cancellationToken.ThrowIfCancellationRequested();
        // Each graph opens as a shared session (concurrent requests) and, when the plan has them, a wide one (a lone
        // request), the two sharing one copy of the weights (OnnxThreadPlan).
        var plan = OnnxThreadPlan.ForThisMachine(options);
        int[] threads = plan.HasLoneSessions ? [plan.SharedThreads, plan.LoneThreads] : [plan.SharedThreads];
        var pools = new List<OnnxSessionPool>();
        try
        {
            var encoder = OnnxSessionPool.Open(files!.Encoder, options, threads, cancellationToken);
            pools.Add(encoder);
            var decoder = OnnxSessionPool.Open(files.Decoder, options, threads, cancellationToken);
            pools.Add(decoder);
            OnnxSessionPool? withPast = null;
            if (files.DecoderWithPast is { } path)
            {
                withPast = OnnxSessionPool.Open(path, options, threads, cancellationToken);
                pools.Add(withPast);
            }

            return new OnnxSeq2SeqInstance(model, files, config, tokenizer, encoder, decoder, withPast, new OnnxThreadBudget(plan));
        }
        catch
        {
            foreach (var pool in pools)
            {
                pool.Dispose();
            }

            throw;
        }
    }
}
