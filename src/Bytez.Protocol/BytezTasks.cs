namespace Bytez.Protocol;

/// <summary>
/// The task names of the Bytez API (the Hugging Face pipeline tags). Tasks are plain strings on the wire; these
/// constants only spare typing them.
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

    /// <summary>Tasks whose output can be streamed as text.</summary>
    public static IReadOnlySet<string> TextStreaming { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        TextGeneration, Chat, "audio-text-to-text", "image-text-to-text", "video-text-to-text", "summarization",
        "translation", "text2text-generation",
    };

    /// <summary>Tasks that generate media; with <c>stream</c> the official clients ask for raw bytes instead.</summary>
    public static IReadOnlySet<string> MediaGeneration { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "text-to-audio", "text-to-image", "text-to-video", "text-to-speech",
    };
}
