using System.Text.Json;

namespace Bytez.Engine.Generation;

/// <summary>
/// The generation configuration of a <c>summarization</c>, <c>translation</c> or <c>text2text-generation</c> request,
/// resolved as the transformers 4.57 pipelines do (the last version with these pipelines; v5 removed them). From lowest
/// to highest priority: Hugging Face's global defaults; the pipeline's default <c>GenerationConfig(max_new_tokens=256,
/// num_beams=4)</c>, over which every value of the model's generation configuration is copied except where the
/// pipeline's default differs from the global default (so <c>num_beams</c> 4 and <c>max_new_tokens</c> 256 stay),
/// then <c>max_new_tokens</c> dropped when the model sets a <c>max_length</c> other than 20; the model's
/// <c>task_specific_params</c> of the task; the request's <c>params</c>.
/// </summary>
/// <param name="Task">The task the configuration was resolved for (<c>translation</c> becomes the model's first <c>translation_*</c> key).</param>
/// <param name="Baseline">The settings before the request's <c>params</c>.</param>
/// <param name="Prefix">The text put before the source: the task's <c>prefix</c>, else the model's, else empty.</param>
public sealed record Seq2SeqGenerationConfig(string Task, GenerationSettings Baseline, string Prefix)
{
    /// <summary>The pipeline's default <c>max_new_tokens</c>.</summary>
    public const int PipelineMaxNewTokens = 256;

    /// <summary>The pipeline's default <c>num_beams</c>.</summary>
    public const int PipelineNumBeams = 4;

    /// <summary>Resolves the configuration of <paramref name="task"/> for a model.</summary>
    /// <exception cref="EngineException">The model's configuration holds an invalid value (kind not supported).</exception>
    public static Seq2SeqGenerationConfig Resolve(Seq2SeqModelInfo info, string task)
    {
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(task);
        if (task == "translation")
        {
            // pipeline("translation") on a model with task_specific_params takes its first translation_* entry.
            task = info.TaskSpecificParams.Keys.FirstOrDefault(k => k.StartsWith("translation", StringComparison.Ordinal)) ?? task;
        }

        var vocabulary = info.VocabularySize;
        var s = PipelineBaseline(info.GenerationConfig, vocabulary, PipelineMaxNewTokens, PipelineNumBeams);

        string? prefix = null;
        if (info.TaskSpecificParams.TryGetValue(task, out var taskParams) && taskParams.ValueKind == JsonValueKind.Object)
        {
            if (taskParams.TryGetProperty("prefix", out var p) && p.ValueKind == JsonValueKind.String)
            {
                prefix = p.GetString();
            }

            s = GenerationSettings.ApplyModelConfig(s, taskParams, vocabulary, "prefix");
        }

        return new Seq2SeqGenerationConfig(task, s, prefix ?? info.Prefix ?? string.Empty);
    }

    /// <summary>
    /// A pipeline's default generation configuration merged with a model's, as transformers 4.57's <c>Pipeline</c>
    /// does for every pipeline that calls <c>generate</c>: the pipeline's <c>GenerationConfig(max_new_tokens=...,
    /// [num_beams=...])</c>, every value of the model's configuration copied over it except the keys the pipeline set,
    /// then <c>max_new_tokens</c> dropped when the model sets a <c>max_length</c> other than the global default 20 (so
    /// that the model's length wins). <c>forced_decoder_ids</c> (legacy, not implemented) is left out.
    /// </summary>
    /// <param name="modelConfig">The model's generation configuration (an object).</param>
    /// <param name="vocabularySize">Token ids must be below it.</param>
    /// <param name="maxNewTokens">The pipeline's <c>max_new_tokens</c>.</param>
    /// <param name="numBeams">The pipeline's <c>num_beams</c>, or <see langword="null"/> when it sets none (the model's, else 1).</param>
    /// <exception cref="EngineException">The model's configuration holds an invalid value (kind not supported).</exception>
    public static GenerationSettings PipelineBaseline(JsonElement modelConfig, int vocabularySize, int maxNewTokens, int? numBeams)
    {
        var s = numBeams is { } beams
            ? GenerationSettings.ApplyModelConfig(new GenerationSettings(), modelConfig, vocabularySize, "max_new_tokens", "num_beams", "forced_decoder_ids")
                with { NumBeams = beams }
            : GenerationSettings.ApplyModelConfig(new GenerationSettings(), modelConfig, vocabularySize, "max_new_tokens", "forced_decoder_ids");
        s = s with { MaxNewTokens = maxNewTokens };
        return s.MaxLength != 20 ? s with { MaxNewTokens = null } : s;
    }
}
