using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.AI;

namespace Bytez;

// The model as Microsoft.Extensions.AI's interfaces: IChatClient, IEmbeddingGenerator and ISpeechToTextClient.
public sealed partial class BytezModel
{
    /// <summary>
    /// The diagnostic id of Microsoft.Extensions.AI's experimental speech-to-text API (<c>MEAI001</c> in version 11):
    /// <see cref="ISpeechToTextClient"/> may still change, so <see cref="AsISpeechToTextClient"/> and
    /// <c>AddBytezSpeechToTextClient</c> carry the same diagnostic. Suppress it (<c>#pragma warning disable MEAI001</c>
    /// or <c>&lt;NoWarn&gt;$(NoWarn);MEAI001&lt;/NoWarn&gt;</c>) to use them.
    /// </summary>
    internal const string SpeechToTextDiagnosticId = "MEAI001";

    /// <summary>The default of <see cref="AsIEmbeddingGenerator"/>'s batch size: 256 texts per request, the default limit of a server of this project.</summary>
    public const int DefaultEmbeddingBatchSize = 256;

    /// <summary>
    /// This model as an <see cref="IChatClient"/> over the OpenAI-compatible chat route,
    /// <c>POST {base}/openai/v1/chat/completions</c> (<c>https://api.bytez.com/models/v2/openai/v1/chat/completions</c> on
    /// the hosted service). Roles, tool calls and results, <c>response_format</c>, tools and <c>tool_choice</c>,
    /// usage and the finish reason are mapped both ways; streaming reads server-sent events with
    /// <c>stream_options.include_usage</c>. Sends <c>Authorization: Bearer &lt;key&gt;</c>, as OpenAI's clients do.
    /// </summary>
    /// <returns>
    /// A client whose <see cref="IChatClient.GetService"/> gives <see cref="ChatClientMetadata"/> (provider
    /// <c>bytez</c>, the route's base, this model's id), this model and its <see cref="BytezClient"/>. Failures throw
    /// <see cref="BytezException"/> with the status code and the body. Disposing it leaves the <see cref="BytezClient"/> open.
    /// </returns>
    public IChatClient AsIChatClient() => new BytezChatClient(this);

    /// <summary>
    /// This model (feature-extraction or sentence-similarity) as an <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>
    /// over the Bytez run route: the vectors are those <see cref="BytezResult.GetEmbedding"/> reads.
    /// </summary>
    /// <param name="maxBatchSize">
    /// The most texts sent in one request (<c>{"input": [...]}</c>); a call with more sends several requests, one after
    /// another. Use 1 for a server that takes one text per request.
    /// </param>
    /// <returns>
    /// A generator whose <see cref="IEmbeddingGenerator.GetService"/> gives <see cref="EmbeddingGeneratorMetadata"/>,
    /// this model and its <see cref="BytezClient"/>. <c>Dimensions</c> other than the model's throws
    /// <see cref="NotSupportedException"/>; additional properties are sent as <c>params</c>; failures throw
    /// <see cref="BytezException"/>.
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxBatchSize"/> is less than 1.</exception>
    public IEmbeddingGenerator<string, Embedding<float>> AsIEmbeddingGenerator(int maxBatchSize = DefaultEmbeddingBatchSize) =>
        new BytezEmbeddingGenerator(this, maxBatchSize);

    /// <summary>
    /// This model (automatic-speech-recognition: CTC or Whisper) as an <see cref="ISpeechToTextClient"/> over the Bytez
    /// run route, the sound sent as base64. The speech language goes to <c>generate_kwargs.language</c>, an English
    /// text language for other speech to Whisper's <c>translate</c> task; additional properties are <c>params</c>.
    /// The route does not stream: the streaming method yields the whole transcript as one update.
    /// </summary>
    /// <returns>
    /// A client whose <see cref="ISpeechToTextClient.GetService"/> gives <see cref="SpeechToTextClientMetadata"/>,
    /// this model and its <see cref="BytezClient"/>. Failures throw <see cref="BytezException"/>.
    /// </returns>
    /// <remarks>Experimental as Microsoft.Extensions.AI's speech-to-text API is: suppress <c>MEAI001</c> to call it.</remarks>
    [Experimental(SpeechToTextDiagnosticId)]
    public ISpeechToTextClient AsISpeechToTextClient() => new BytezSpeechToTextClient(this);
}
