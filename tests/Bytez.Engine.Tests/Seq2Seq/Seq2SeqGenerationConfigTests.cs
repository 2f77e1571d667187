using System.Text.Json;
using Bytez.Engine.Generation;

namespace Bytez.Engine.Tests.Seq2Seq;

/// <summary>
/// The generation configuration of the seq2seq pipelines, resolved as transformers 4.57 does, on the configurations of
/// real models (values from their published config.json / generation_config.json).
/// </summary>
public sealed class Seq2SeqGenerationConfigTests
{
    private static Seq2SeqModelInfo Info(string generationConfig, string? taskSpecificParams = null, string? prefix = null)
    {
        var tsp = new Dictionary<string, JsonElement>();
        if (taskSpecificParams is not null)
        {
            foreach (var p in JsonDocument.Parse(taskSpecificParams).RootElement.EnumerateObject())
            {
                tsp[p.Name] = p.Value.Clone();
            }
        }

        return new Seq2SeqModelInfo
        {
            VocabularySize = 60_000,
            MaxSourceLength = 512,
            MaxTargetLength = 512,
            GenerationConfig = JsonDocument.Parse(generationConfig).RootElement.Clone(),
            TaskSpecificParams = tsp,
            Prefix = prefix,
        };
    }

    [Fact]
    public void NoModelValues_PipelineDefault_FourBeams256NewTokens()
    {
        var c = Seq2SeqGenerationConfig.Resolve(Info("{}"), "text2text-generation");
        Assert.Equal(4, c.Baseline.NumBeams);
        Assert.Equal(256, c.Baseline.MaxNewTokens);
        Assert.Equal(20, c.Baseline.MaxLength);
        Assert.Equal(string.Empty, c.Prefix);
    }

    [Fact]
    public void MarianGenerationConfig_PipelineBeamsWin_MaxLengthReplacesMaxNewTokens()
    {
        // Helsinki-NLP/opus-mt-en-de: num_beams 6, max_length 512, bad_words_ids [[58100]], forced_eos 0.
        var c = Seq2SeqGenerationConfig.Resolve(Info("""
            {"bad_words_ids": [[58100]], "bos_token_id": 0, "decoder_start_token_id": 58100, "eos_token_id": 0,
             "forced_eos_token_id": 0, "max_length": 512, "num_beams": 6, "pad_token_id": 58100, "renormalize_logits": true,
             "transformers_version": "4.57.0"}
            """), "translation");
        Assert.Equal(4, c.Baseline.NumBeams);
        Assert.Null(c.Baseline.MaxNewTokens);
        Assert.Equal(512, c.Baseline.MaxLength);
        Assert.Equal([58100], Assert.Single(c.Baseline.BadWordsIds));
        Assert.Equal([0], c.Baseline.ForcedEosTokenIds);
        Assert.Equal(58100, c.Baseline.DecoderStartTokenId);
        Assert.Equal([0], c.Baseline.EosTokenIds);
    }

    [Fact]
    public void BartCnnConfig_ItsLengthsAndPenalties()
    {
        var c = Seq2SeqGenerationConfig.Resolve(Info("""
            {"early_stopping": true, "forced_bos_token_id": 0, "forced_eos_token_id": 2, "length_penalty": 2.0, "max_length": 142,
             "min_length": 56, "no_repeat_ngram_size": 3, "num_beams": 4, "decoder_start_token_id": 2}
            """), "summarization");
        Assert.Null(c.Baseline.MaxNewTokens);
        Assert.Equal(142, c.Baseline.MaxLength);
        Assert.Equal(56, c.Baseline.MinLength);
        Assert.Equal(2.0, c.Baseline.LengthPenalty);
        Assert.Equal(3, c.Baseline.NoRepeatNgramSize);
        Assert.Equal(BeamStopping.AllBeams, c.Baseline.EarlyStopping);
        Assert.Equal(0, c.Baseline.ForcedBosTokenId);
    }

    private const string T5TaskParams = """
        {"summarization": {"early_stopping": true, "length_penalty": 2.0, "max_length": 200, "min_length": 30,
                           "no_repeat_ngram_size": 3, "num_beams": 4, "prefix": "summarize: "},
         "translation_en_to_de": {"early_stopping": true, "max_length": 300, "num_beams": 4, "prefix": "translate English to German: "},
         "translation_en_to_fr": {"early_stopping": true, "max_length": 300, "num_beams": 4, "prefix": "translate English to French: "}}
        """;

    [Fact]
    public void T5Summarization_TaskParamsAndPrefix_MaxNewTokensStillWins()
    {
        var c = Seq2SeqGenerationConfig.Resolve(Info("""{"decoder_start_token_id": 0, "eos_token_id": 1, "pad_token_id": 0}""", T5TaskParams), "summarization");
        Assert.Equal("summarize: ", c.Prefix);
        Assert.Equal(256, c.Baseline.MaxNewTokens); // kept: the model's own max_length is the default 20
        Assert.Equal(200, c.Baseline.MaxLength);
        Assert.Equal(30, c.Baseline.MinLength);
        Assert.Equal(2.0, c.Baseline.LengthPenalty);
        Assert.Equal(BeamStopping.AllBeams, c.Baseline.EarlyStopping);
    }

    [Fact]
    public void T5Translation_TakesTheFirstTranslationEntry()
    {
        var c = Seq2SeqGenerationConfig.Resolve(Info("{}", T5TaskParams), "translation");
        Assert.Equal("translation_en_to_de", c.Task);
        Assert.Equal("translate English to German: ", c.Prefix);
        Assert.Equal(300, c.Baseline.MaxLength);

        var fr = Seq2SeqGenerationConfig.Resolve(Info("{}", T5TaskParams), "translation_en_to_fr");
        Assert.Equal("translate English to French: ", fr.Prefix);
    }

    [Fact]
    public void ConfigPrefix_UsedWhenTheTaskHasNone()
    {
        Assert.Equal(">>de<< ", Seq2SeqGenerationConfig.Resolve(Info("{}", prefix: ">>de<< "), "text2text-generation").Prefix);
        Assert.Equal("summarize: ", Seq2SeqGenerationConfig.Resolve(Info("{}", T5TaskParams, ">>de<< "), "summarization").Prefix);
    }

    [Fact]
    public void RequestParams_OverrideEverything()
    {
        var c = Seq2SeqGenerationConfig.Resolve(Info("""{"max_length": 142}""", T5TaskParams), "summarization");
        using var p = JsonDocument.Parse("""{"num_beams": 1, "max_new_tokens": 10, "early_stopping": "never"}""");
        var s = GenerationSettings.Parse(p.RootElement, c.Baseline, 60_000, beamSearch: true);
        Assert.Equal(1, s.NumBeams);
        Assert.Equal(10, s.MaxNewTokens);
        Assert.Equal(BeamStopping.Never, s.EarlyStopping);
        Assert.Equal(30, s.MinLength);
    }

    [Fact]
    public void InvalidModelValue_NotSupportedNamingIt()
    {
        var e = Assert.Throws<EngineException>(() => Seq2SeqGenerationConfig.Resolve(Info("""{"num_return_sequences": "many"}"""), "summarization"));
        Assert.Equal(EngineErrorKind.NotSupported, e.Kind);
        Assert.Contains("num_return_sequences", e.Message, StringComparison.Ordinal);
    }
}
