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

        // Pipeline default merged with the model's configuration: the model's values, except the two keys the pipeline set.
        var s = new GenerationSettings();
        s = GenerationSettings.ApplyModelConfig(s, info.GenerationConfig, vocabulary, "max_new_tokens", "num_beams");
        s = s with { MaxNewTokens = PipelineMaxNewTokens, NumBeams = PipelineNumBeams };
        if (s.MaxLength != 20)
        {
            s = s with { MaxNewTokens = null };
        }

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
}
