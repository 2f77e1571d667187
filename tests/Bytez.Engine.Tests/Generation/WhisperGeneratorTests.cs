using Bytez.Engine.Generation;
using Bytez.Engine.Tests.Seq2Seq;
using Bytez.Testing.TinyModels;
using static Bytez.Testing.TinyModels.WhisperModelWriter;

namespace Bytez.Engine.Tests.Generation;

/// <summary>
/// Whisper generation on the tiny Whisper of <see cref="WhisperModelWriter"/> in real ONNX Runtime sessions. Expected
/// tokens follow from the model's design (see the writer): the audio's dominant band picks English or French words and
/// language, translate in the history turns French into English words, yes and the leading Ġ / EOS are suppressed,
/// and after "world" the timestamps win only by the sum of their probabilities.
/// </summary>
public sealed class WhisperGeneratorTests : IDisposable
{
    private static readonly int[] Shape = [80, Frames];
    private readonly MediaSeq2SeqTestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static Task<WhisperTranscription> RunAsync(IMediaSeq2SeqInstance model, float[] features, WhisperOptions options, string json = "{}")
        => WhisperGenerator.GenerateAsync(
            WhisperGenerator.Prepare(model, options, MediaSeq2SeqTestFolder.Json(json)), features, Shape, TestContext.Current.CancellationToken);

    [Theory]
    [InlineData(Seq2SeqWriterLayout.Merged)]
    [InlineData(Seq2SeqWriterLayout.Split)]
    [InlineData(Seq2SeqWriterLayout.NoCache)]
    public async Task Transcribe_GivenLanguage_ForcesThePromptAndFollowsTheTable(Seq2SeqWriterLayout layout)
    {
        var model = _folder.LoadWhisper(new WhisperModelOptions { Layout = layout });
        Assert.Equal(Seq2SeqSourceKind.AudioFeatures, model.SourceKind);
        Assert.Equal([80, Frames], model.SourceShape);

        var result = await RunAsync(model, EnglishFeatures(), new WhisperOptions(Language: "english"));

        Assert.Equal([StartOfTranscript, English, Transcribe, NoTimestamps], result.Prompt);
        Assert.Equal([Id("hello"), Id("world")], result.Tokens);
        Assert.Equal(" hello world", result.Text);
        Assert.Equal("en", result.Language);
    }

    [Theory]
    [InlineData("french")]
    [InlineData("fr")]
    [InlineData("<|fr|>")]
    [InlineData("French")]
    public async Task Language_NameCodeOrToken_AllGiveTheSameLanguageToken(string language)
    {
        var model = _folder.LoadWhisper();
        var result = await RunAsync(model, FrenchFeatures(), new WhisperOptions(Language: language));
        Assert.Equal([StartOfTranscript, French, Transcribe, NoTimestamps], result.Prompt);
        Assert.Equal(" bonjour monde", result.Text);
    }

    [Fact]
    public async Task Language_NotGiven_IsDetectedFromTheFirstStepsLanguageLogits()
    {
        var model = _folder.LoadWhisper();

        var french = await RunAsync(model, FrenchFeatures(), new WhisperOptions());
        var english = await RunAsync(model, EnglishFeatures(), new WhisperOptions());
        var silence = await RunAsync(model, Features(80, 0, 0), new WhisperOptions()); // only the table's de 1 remains

        Assert.Equal(("fr", French), (french.Language, french.Prompt[1]));
        Assert.Equal(" bonjour monde", french.Text);
        Assert.Equal(("en", English), (english.Language, english.Prompt[1]));
        Assert.Equal("de", silence.Language);
    }

    [Fact]
    public async Task Translate_TaskToken_IsInThePromptAndTurnsFrenchIntoEnglishWords()
    {
        var model = _folder.LoadWhisper();
        var result = await RunAsync(model, FrenchFeatures(), new WhisperOptions(Language: "fr", Task: "translate"));
        Assert.Equal([StartOfTranscript, French, Translate, NoTimestamps], result.Prompt);
        Assert.Equal(" hello world", result.Text);
    }

    [Fact]
    public async Task SuppressTokens_FromTheGenerationConfig_AndOverriddenByTheRequest()
    {
        var model = _folder.LoadWhisper();
        Assert.Equal(" hello world", (await RunAsync(model, EnglishFeatures(), new WhisperOptions("en"))).Text);
        var unsuppressed = await RunAsync(model, EnglishFeatures(), new WhisperOptions("en"), """{"suppress_tokens": [11]}""");
        Assert.Equal(" hello world yes", unsuppressed.Text);
    }

    [Fact]
    public async Task BeginSuppressTokens_BanTheLeadingSpaceAndEndOnlyAtTheFirstStep()
    {
        var model = _folder.LoadWhisper();
        var unsuppressed = await RunAsync(model, EnglishFeatures(), new WhisperOptions("en"), """{"begin_suppress_tokens": []}""");
        Assert.Equal(Id(string.Empty), unsuppressed.Tokens[0]); // Ġ 12 wins when not suppressed at the beginning
        var suppressed = await RunAsync(model, EnglishFeatures(), new WhisperOptions("en"));
        Assert.Equal(Id("hello"), suppressed.Tokens[0]);
    }

    [Fact]
    public async Task Timestamps_PairAroundTheText_TheClosingOneBySummedProbability()
    {
        var model = _folder.LoadWhisper();
        var result = await RunAsync(model, EnglishFeatures(), new WhisperOptions("en", ReturnTimestamps: true));

        Assert.Equal([StartOfTranscript, English, Transcribe], result.Prompt); // no <|notimestamps|>
        Assert.Equal([TimestampBegin, Id("hello"), Id("world"), Id("<|0.40|>")], result.Tokens);
        Assert.Equal(" hello world", result.Text);
        Assert.Equal(TimestampBegin, result.TimestampBegin);
        Assert.Equal(0.02, result.TimePrecision, 1e-12);
        Assert.Equal(0.40, (result.Tokens[^1] - result.TimestampBegin) * result.TimePrecision, 1e-9);
    }

    [Fact]
    public async Task Timestamps_WithBeamSearch_SameSequence()
    {
        var model = _folder.LoadWhisper();
        var result = await RunAsync(model, EnglishFeatures(), new WhisperOptions("en", ReturnTimestamps: true), """{"num_beams": 3}""");
        Assert.Equal([TimestampBegin, Id("hello"), Id("world"), Id("<|0.40|>")], result.Tokens);
    }

    [Fact]
    public async Task BeamSearch_Transcribes_AsGreedyOnAClearTable()
    {
        var model = _folder.LoadWhisper();
        var result = await RunAsync(model, FrenchFeatures(), new WhisperOptions("fr"), """{"num_beams": 4}""");
        Assert.Equal(" bonjour monde", result.Text);
    }

    [Fact]
    public async Task EnglishOnly_PromptIsStartAndNoTimestamps_LanguageRefused()
    {
        var model = _folder.LoadWhisper(new WhisperModelOptions { Multilingual = false });
        var result = await RunAsync(model, EnglishFeatures(), new WhisperOptions());
        Assert.Equal([StartOfTranscript, NoTimestamps], result.Prompt);
        Assert.Null(result.Language);
        Assert.Equal(" hello world", result.Text);

        var e = Assert.Throws<EngineException>(() => WhisperGenerator.Prepare(model, new WhisperOptions(Language: "en"), null));
        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains("English-only", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MaxNewTokens_BeyondMaxTargetPositions_IsRefusedNamingTheLimit()
    {
        var model = _folder.LoadWhisper();
        Assert.Equal(448, WhisperGenerator.Prepare(model, new WhisperOptions("en"), MediaSeq2SeqTestFolder.Json("""{"max_new_tokens": 444}""")).MaxLength);
        var e = Assert.Throws<EngineException>(() => WhisperGenerator.Prepare(model, new WhisperOptions("en"), MediaSeq2SeqTestFolder.Json("""{"max_new_tokens": 445}""")));
        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains("444", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MaxNewTokens_CutsTheTranscript()
    {
        var model = _folder.LoadWhisper();
        var result = await RunAsync(model, EnglishFeatures(), new WhisperOptions("en"), """{"max_new_tokens": 1}""");
        Assert.Equal(" hello", result.Text);
    }

    [Theory]
    [InlineData("klingon", null)]
    [InlineData("en", "summarize")]
    public void LanguageOrTask_Unknown_IsRefusedAsBadInput(string? language, string? task)
    {
        var model = _folder.LoadWhisper();
        var e = Assert.Throws<EngineException>(() => WhisperGenerator.Prepare(model, new WhisperOptions(language, task), null));
        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
    }

    [Fact]
    public void Language_KnownToWhisperButNotToThisModel_IsRefusedNamingTheToken()
    {
        var model = _folder.LoadWhisper();
        var e = Assert.Throws<EngineException>(() => WhisperGenerator.Prepare(model, new WhisperOptions("spanish"), null));
        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains("<|es|>", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Features_WrongShapeOrNotFinite_AreRefusedNamingTheExpectedShape()
    {
        var model = _folder.LoadWhisper();
        var request = WhisperGenerator.Prepare(model, new WhisperOptions("en"), null);
        var e = await Assert.ThrowsAsync<EngineException>(() => WhisperGenerator.GenerateAsync(
            request, new float[128 * Frames], [128, Frames], TestContext.Current.CancellationToken));
        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains("[80, 3000]", e.Message, StringComparison.Ordinal);

        var features = EnglishFeatures();
        features[7] = float.NaN;
        e = await Assert.ThrowsAsync<EngineException>(() => WhisperGenerator.GenerateAsync(request, features, Shape, TestContext.Current.CancellationToken));
        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
    }

    [Fact]
    public async Task LargeV3Style_128MelBins_AreRead()
    {
        var model = _folder.LoadWhisper(new WhisperModelOptions { MelBins = 128 });
        Assert.Equal([128, Frames], model.SourceShape);
        var request = WhisperGenerator.Prepare(model, new WhisperOptions(), null);
        var result = await WhisperGenerator.GenerateAsync(request, FrenchFeatures(128), [128, Frames], TestContext.Current.CancellationToken);
        Assert.Equal(" bonjour monde", result.Text);
    }

    [Fact]
    public async Task TextSource_OnAWhisperModel_IsRefused()
    {
        var model = _folder.LoadWhisper();
        var e = await Assert.ThrowsAsync<EngineException>(async () => await model.EncodeAsync(new[] { 1, 2 }, TestContext.Current.CancellationToken));
        Assert.Equal(EngineErrorKind.NotSupported, e.Kind);
    }

    [Fact]
    public async Task Prompt_FedBeforeTheStartToken_NotInTheAnswer_LanguageStillDetected()
    {
        var model = _folder.LoadWhisper();

        var result = await RunAsync(model, FrenchFeatures(), new WhisperOptions(Prompt: "  hello world the end "));

        Assert.Equal([StartOfTranscript, French, Transcribe, NoTimestamps], result.Prompt); // the previous text is left out
        Assert.Equal(" bonjour monde", result.Text);
        Assert.Equal("fr", result.Language);
        Assert.InRange(result.NoSpeechProbability!.Value, 0, 1);
    }

    [Fact]
    public void Prompt_CountsAgainstTheDecoderPositions()
    {
        var model = _folder.LoadWhisper();
        var json = MediaSeq2SeqTestFolder.Json("""{"max_new_tokens": 444}""");

        var plain = WhisperGenerator.Prepare(model, new WhisperOptions(), json);
        var error = Assert.Throws<EngineException>(() => WhisperGenerator.Prepare(model, new WhisperOptions(Prompt: "hello world"), json));

        Assert.Empty(plain.PreviousIds);
        Assert.Equal(448, plain.MaxLength);
        var expected = 1 + model.Tokenizer.Encode(" hello world", addSpecialTokens: false).Length + 4; // <|startofprev|>, the text, the decoder prompt
        Assert.Contains($"{expected} prompt tokens", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Prompt_PreviousIds_StartOfPreviousAndTheTextsTokens_LongOnesCutToHalfThePositions()
    {
        var model = _folder.LoadWhisper();

        var short_ = WhisperGenerator.Prepare(model, new WhisperOptions(Prompt: " hello world "), null);
        var long_ = WhisperGenerator.Prepare(model, new WhisperOptions(Prompt: string.Join(' ', Enumerable.Repeat("hello world", 400))), null);
        var special = Assert.Throws<EngineException>(() => WhisperGenerator.Prepare(model, new WhisperOptions(Prompt: "hello <|translate|>"), null));

        // get_prompt_ids: <|startofprev|>, then " " + the stripped text, tokenized without special tokens.
        Assert.Equal([Id("<|startofprev|>"), .. model.Tokenizer.Encode(" hello world", addSpecialTokens: false)], short_.PreviousIds);
        Assert.Equal(1 + (448 / 2) - 1, long_.PreviousIds.Count);
        Assert.Equal(Id("<|startofprev|>"), long_.PreviousIds[0]);
        Assert.Equal(EngineErrorKind.BadInput, special.Kind);
        Assert.Contains("<|translate|>", special.Message, StringComparison.Ordinal);
    }
}
