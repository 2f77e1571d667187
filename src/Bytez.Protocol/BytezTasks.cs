using System.Diagnostics.CodeAnalysis;

namespace Bytez.Protocol;

/// <summary>
/// The task names of the Bytez API (the Hugging Face pipeline tags). Tasks are plain strings on the wire; these
/// constants only spare typing them. <see cref="Canonical"/> turns the Hugging Face aliases (<c>sentiment-analysis</c>,
/// <c>ner</c>, <c>translation_en_to_de</c>) into the names the API lists.
/// </summary>
public static class BytezTasks
{
    /// <summary>Text in, one embedding vector out.</summary>
    public const string FeatureExtraction = "feature-extraction";

    /// <summary>Text in, an embedding out; or a source sentence and candidates in, similarity scores out.</summary>
    public const string SentenceSimilarity = "sentence-similarity";

    /// <summary>A prompt in, its continuation out.</summary>
    public const string TextGeneration = "text-generation";

    /// <summary>Messages in, the assistant's message out.</summary>
    public const string Chat = "chat";

    /// <summary>Text in, labels with scores out, <c>[{label, score}]</c>.</summary>
    public const string TextClassification = "text-classification";

    /// <summary>Hugging Face's alias of <see cref="TextClassification"/>.</summary>
    public const string SentimentAnalysis = "sentiment-analysis";

    /// <summary>Text in, one label per token or word out, <c>[{entity, score, index, word, start, end}]</c> (NER).</summary>
    public const string TokenClassification = "token-classification";

    /// <summary>Hugging Face's alias of <see cref="TokenClassification"/>.</summary>
    public const string Ner = "ner";

    /// <summary>A question and a context in, the answer's span of the context out, <c>{score, start, end, answer}</c>.</summary>
    public const string QuestionAnswering = "question-answering";

    /// <summary>Text with the model's mask token in, the likeliest fillings out, <c>[{score, token, token_str, sequence}]</c>.</summary>
    public const string FillMask = "fill-mask";

    /// <summary>Text and candidate labels in, the labels ranked by entailment out, <c>{sequence, labels, scores}</c>.</summary>
    public const string ZeroShotClassification = "zero-shot-classification";

    /// <summary>A query and documents in, the documents ranked by relevance out, <c>[{corpus_id, score, text?}]</c> (rerankers).</summary>
    public const string TextRanking = "text-ranking";

    /// <summary>Text in, its summary out (a string).</summary>
    public const string Summarization = "summarization";

    /// <summary>Text in, its translation out (a string). Hugging Face also names a language pair: see <see cref="TranslationOf"/>.</summary>
    public const string Translation = "translation";

    /// <summary>Text in, text out by an encoder-decoder model such as T5 (a string).</summary>
    public const string Text2TextGeneration = "text2text-generation";

    /// <summary>An image in, labels with scores out, <c>[{label, score}]</c>.</summary>
    public const string ImageClassification = "image-classification";

    /// <summary>An image and candidate labels in, the labels ranked by fit out, <c>[{label, score}]</c> (CLIP, SigLIP).</summary>
    public const string ZeroShotImageClassification = "zero-shot-image-classification";

    /// <summary>An image in, the objects found out, <c>[{score, label, box: {xmin, ymin, xmax, ymax}}]</c>.</summary>
    public const string ObjectDetection = "object-detection";

    /// <summary>An image in, one mask per label out, <c>[{label, score, mask}]</c>.</summary>
    public const string ImageSegmentation = "image-segmentation";

    /// <summary>An image in, its depth map out.</summary>
    public const string DepthEstimation = "depth-estimation";

    /// <summary>An image in, its embedding (the model's hidden states) out.</summary>
    public const string ImageFeatureExtraction = "image-feature-extraction";

    /// <summary>Speech in, its text out.</summary>
    public const string AutomaticSpeechRecognition = "automatic-speech-recognition";

    /// <summary>Audio in, labels with scores out, <c>[{score, label}]</c>.</summary>
    public const string AudioClassification = "audio-classification";

    /// <summary>Text in, speech out: a WAV file (a URL to it, or its bytes with <c>json: false</c>).</summary>
    public const string TextToSpeech = "text-to-speech";

    /// <summary>Tasks whose output can be streamed as text.</summary>
    public static IReadOnlySet<string> TextStreaming { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        TextGeneration, Chat, "audio-text-to-text", "image-text-to-text", "video-text-to-text", Summarization,
        Translation, Text2TextGeneration,
    };

    /// <summary>Tasks that generate media; with <c>stream</c> the official clients ask for raw bytes instead.</summary>
    public static IReadOnlySet<string> MediaGeneration { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "text-to-audio", "text-to-image", "text-to-video", "text-to-speech",
    };

    /// <summary>
    /// The Hugging Face task name of a translation from one language to another, <c>translation_{source}_to_{target}</c>,
    /// for example <c>translation_en_to_de</c>: the key of a model's <c>task_specific_params</c> that holds its prefix
    /// and generation settings for that pair.
    /// </summary>
    /// <param name="sourceLanguage">The source language code as the model names it, for example <c>en</c>.</param>
    /// <param name="targetLanguage">The target language code, for example <c>de</c>.</param>
    /// <exception cref="ArgumentException">A code is empty or holds an underscore (which would make the name ambiguous).</exception>
    public static string TranslationOf(string sourceLanguage, string targetLanguage)
    {
        CheckLanguage(sourceLanguage, nameof(sourceLanguage));
        CheckLanguage(targetLanguage, nameof(targetLanguage));
        return $"{Translation}_{sourceLanguage}_to_{targetLanguage}";
    }

    /// <summary>
    /// Reads a task name of the form <c>translation_{source}_to_{target}</c>, as Hugging Face's <c>pipeline()</c>
    /// does: four parts separated by underscores, the first <c>translation</c> and the third <c>to</c>.
    /// </summary>
    /// <param name="task">The task name.</param>
    /// <param name="sourceLanguage">The source language code, when the name is of that form.</param>
    /// <param name="targetLanguage">The target language code, when the name is of that form.</param>
    /// <returns>Whether <paramref name="task"/> names a language pair.</returns>
    public static bool TryParseTranslation(
        string? task, [NotNullWhen(true)] out string? sourceLanguage, [NotNullWhen(true)] out string? targetLanguage)
    {
        sourceLanguage = null;
        targetLanguage = null;
        var parts = task?.Split('_');
        if (parts is not [Translation, { Length: > 0 } source, "to", { Length: > 0 } target])
        {
            return false;
        }

        sourceLanguage = source;
        targetLanguage = target;
        return true;
    }

    /// <summary>
    /// The name the Bytez API lists for a task given by any of its Hugging Face names: <c>sentiment-analysis</c> is
    /// <see cref="TextClassification"/>, <c>ner</c> is <see cref="TokenClassification"/>,
    /// <c>translation_xx_to_yy</c> is <see cref="Translation"/>; any other name is returned unchanged.
    /// </summary>
    /// <param name="task">A task name.</param>
    public static string Canonical(string task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return task switch
        {
            SentimentAnalysis => TextClassification,
            Ner => TokenClassification,
            _ when TryParseTranslation(task, out _, out _) => Translation,
            _ => task,
        };
    }

    private static void CheckLanguage(string language, string parameterName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(language, parameterName);
        if (language.Contains('_', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{language}' is not a language code: it holds an underscore.", parameterName);
        }
    }
}
