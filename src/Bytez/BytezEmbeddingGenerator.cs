using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Bytez;

/// <summary>
/// <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> for one feature-extraction or sentence-similarity model over
/// the Bytez run route, <c>POST {base}/{modelId}</c> (<see cref="BytezModel.AsIEmbeddingGenerator"/>).
/// </summary>
/// <remarks>
/// The values of a call go in requests of at most the batch size each: one value as <c>{"input": "text"}</c> (the
/// form every Bytez server documents, answering <c>number[]</c>), several as <c>{"input": ["a", "b"]}</c> (answering
/// <c>number[][]</c>, one row per text). <see cref="EmbeddingGenerationOptions.AdditionalProperties"/> are sent as
/// <c>params</c> (<c>normalize</c>, <c>prompt_name</c>, <c>prompt</c>, <c>truncate</c> on this project's server).
/// The run route cannot shorten embeddings, so <see cref="EmbeddingGenerationOptions.Dimensions"/> is only checked: a
/// value other than the model's dimension throws <see cref="NotSupportedException"/> rather than returning vectors of
/// another length or cutting them (which is only meaningful for Matryoshka-trained models). The route reports no
/// token counts, so <see cref="GeneratedEmbeddings{TEmbedding}.Usage"/> stays <see langword="null"/>.
/// </remarks>
internal sealed class BytezEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly BytezModel _model;
    private readonly int _maxBatchSize;
    private readonly EmbeddingGeneratorMetadata _metadata;

    public BytezEmbeddingGenerator(BytezModel model, int maxBatchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchSize, 1);
        _model = model;
        _maxBatchSize = maxBatchSize;
        _metadata = new EmbeddingGeneratorMetadata(OpenAIChatMapper.ProviderName, model.Client.BaseAddress, model.Id);
    }

    /// <inheritdoc />
    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var texts = values.ToList();
        if (texts.Any(text => text is null))
        {
            throw new ArgumentException("The values contain null; each must be a text.", nameof(values));
        }

        cancellationToken.ThrowIfCancellationRequested();
        var model = string.IsNullOrEmpty(options?.ModelId) || options.ModelId == _model.Id
            ? _model
            : _model.Client.Model(options.ModelId, _model.ProviderKey);
        var parameters = AdapterJson.ToParameters(options?.AdditionalProperties);
        var embeddings = new GeneratedEmbeddings<Embedding<float>>(texts.Count);
        for (var first = 0; first < texts.Count; first += _maxBatchSize)
        {
            var batch = texts.GetRange(first, Math.Min(_maxBatchSize, texts.Count - first));
            var input = batch.Count == 1 ? JsonInput.FromText(batch[0]) : JsonInput.FromTexts(batch);
            var result = parameters is { } p
                ? await model.RunAsync(input, p, cancellationToken).ConfigureAwait(false)
                : await model.RunAsync(input, (Protocol.ModelParameters?)null, cancellationToken).ConfigureAwait(false);
            var rows = batch.Count == 1 ? [result.EnsureSuccess().GetEmbedding()] : result.EnsureSuccess().GetEmbeddings();
            if (rows.Length != batch.Count)
            {
                throw new BytezException(
                    $"Expected {batch.Count} embeddings, one per text, but the answer has {rows.Length}.", result.StatusCode, result.Output?.GetRawText());
            }

            var now = DateTimeOffset.UtcNow;
            foreach (var row in rows)
            {
                if (options?.Dimensions is { } dimensions && row.Length != dimensions)
                {
                    throw new NotSupportedException(
                        $"The model {model.Id} gives {row.Length} dimensions and the Bytez run route cannot change that; " +
                        $"{dimensions} were asked (EmbeddingGenerationOptions.Dimensions). Leave Dimensions unset, or set it to {row.Length}.");
                }

                embeddings.Add(new Embedding<float>(row) { ModelId = model.Id, CreatedAt = now });
            }
        }

        return embeddings;
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
            : serviceType == typeof(BytezModel) ? _model
            : serviceType == typeof(BytezClient) ? _model.Client
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <summary>Nothing to release: the <see cref="BytezClient"/> belongs to whoever created it.</summary>
    public void Dispose()
    {
    }
}
