using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Bytez.Protocol;
using Microsoft.Extensions.AI;

namespace Bytez;

/// <summary>
/// <see cref="ISpeechToTextClient"/> for one automatic-speech-recognition model over the Bytez run route,
/// <c>POST {base}/{modelId}</c> with the sound as base64 in <c>input</c> (<see cref="BytezModel.AsISpeechToTextClient"/>).
/// </summary>
/// <remarks>
/// <see cref="SpeechToTextOptions.SpeechLanguage"/> is sent as <c>generate_kwargs.language</c> (its primary subtag:
/// <c>fr-FR</c> becomes <c>fr</c>), as Hugging Face's pipeline takes Whisper's language; a
/// <see cref="SpeechToTextOptions.TextLanguage"/> of English for speech in another language (or of unknown language)
/// is <c>generate_kwargs.task: "translate"</c>; Whisper translates into English only, so another text language throws
/// <see cref="NotSupportedException"/>. CTC models take neither (the server answers 400). The sample rate is read from
/// the file, so <see cref="SpeechToTextOptions.SpeechSampleRate"/> is not sent.
/// <see cref="SpeechToTextOptions.AdditionalProperties"/> are <c>params</c> (<c>return_timestamps</c>,
/// <c>chunk_length_s</c>, ...; a <c>generate_kwargs</c> object given there is merged with the language). The route
/// does not stream: <see cref="GetStreamingTextAsync"/> yields the whole transcript as one update when it is done.
/// </remarks>
[Experimental(BytezModel.SpeechToTextDiagnosticId)]
internal sealed class BytezSpeechToTextClient : ISpeechToTextClient
{
    private readonly BytezModel _model;
    private readonly SpeechToTextClientMetadata _metadata;

    public BytezSpeechToTextClient(BytezModel model)
    {
        _model = model;
        _metadata = new SpeechToTextClientMetadata(OpenAIChatMapper.ProviderName, model.Client.BaseAddress, model.Id);
    }

    /// <inheritdoc />
    public async Task<SpeechToTextResponse> GetTextAsync(
        Stream audioSpeechStream, SpeechToTextOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(audioSpeechStream);
        var parameters = ToParameters(options);
        var media = await BytezMedia.FromStreamAsync(audioSpeechStream, mediaType: null, cancellationToken).ConfigureAwait(false);
        var model = string.IsNullOrEmpty(options?.ModelId) || options.ModelId == _model.Id
            ? _model
            : _model.Client.Model(options.ModelId, _model.ProviderKey);
        var input = JsonInput.FromText(media.Value);
        var result = parameters is { } p
            ? await model.RunAsync(input, p, cancellationToken).ConfigureAwait(false)
            : await model.RunAsync(input, (ModelParameters?)null, cancellationToken).ConfigureAwait(false);
        var transcription = result.EnsureSuccess().GetTranscription();
        var response = new SpeechToTextResponse(transcription.Text)
        {
            ModelId = model.Id,
            RawRepresentation = transcription,
        };
        if (transcription.Chunks.Count > 0)
        {
            response.StartTime = ToTime(transcription.Chunks[0].Start);
            response.EndTime = ToTime(transcription.Chunks[^1].End);
        }

        return response;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<SpeechToTextResponseUpdate> GetStreamingTextAsync(
        Stream audioSpeechStream, SpeechToTextOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetTextAsync(audioSpeechStream, options, cancellationToken).ConfigureAwait(false);
        foreach (var update in response.ToSpeechToTextResponseUpdates())
        {
            yield return update;
        }
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(SpeechToTextClientMetadata) ? _metadata
            : serviceType == typeof(BytezModel) ? _model
            : serviceType == typeof(BytezClient) ? _model.Client
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <summary>Nothing to release: the <see cref="BytezClient"/> belongs to whoever created it.</summary>
    public void Dispose()
    {
    }

    /// <summary>The <c>params</c> of the options; throws for what the route cannot do before anything is sent.</summary>
    internal static JsonElement? ToParameters(SpeechToTextOptions? options)
    {
        if (options is null)
        {
            return null;
        }

        var speech = PrimaryTag(options.SpeechLanguage);
        var text = PrimaryTag(options.TextLanguage);
        var translate = text is not null && text != speech;
        if (translate && text != "en")
        {
            throw new NotSupportedException(
                $"Speech recognition here transcribes, or translates into English only (Whisper's 'translate' task); TextLanguage '{options.TextLanguage}' cannot be produced" +
                (speech is null ? "." : $" from '{options.SpeechLanguage}'."));
        }

        var generate = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (options.AdditionalProperties?.TryGetValue("generate_kwargs", out var given) == true
            && AdapterJson.ToElement(given) is { ValueKind: JsonValueKind.Object } givenObject)
        {
            foreach (var property in givenObject.EnumerateObject())
            {
                generate[property.Name] = property.Value.Clone();
            }
        }

        if (speech is not null)
        {
            generate.TryAdd("language", JsonSerializer.SerializeToElement(speech, OpenAIChatJsonContext.Wire.String));
        }

        if (translate)
        {
            generate.TryAdd("task", JsonSerializer.SerializeToElement("translate", OpenAIChatJsonContext.Wire.String));
        }

        var properties = options.AdditionalProperties is null ? null : new AdditionalPropertiesDictionary(options.AdditionalProperties);
        properties?.Remove("generate_kwargs");
        var own = generate.Count == 0
            ? null
            : new Dictionary<string, JsonElement>
            {
                ["generate_kwargs"] = JsonSerializer.SerializeToElement(generate, OpenAIChatJsonContext.Wire.DictionaryStringJsonElement),
            };
        return AdapterJson.ToParameters(properties, own);
    }

    /// <summary>A language tag's primary subtag in lower case (<c>fr-FR</c> → <c>fr</c>), or <see langword="null"/>.</summary>
    private static string? PrimaryTag(string? language)
    {
        if (string.IsNullOrWhiteSpace(language))
        {
            return null;
        }

        var tag = language.Trim();
        var dash = tag.IndexOfAny(['-', '_']);
        return (dash > 0 ? tag[..dash] : tag).ToLowerInvariant();
    }

    private static TimeSpan? ToTime(double? seconds) =>
        seconds is { } value && double.IsFinite(value) && value >= 0 ? TimeSpan.FromSeconds(value) : null;
}
