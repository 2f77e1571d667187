using System.Text.Json;
using Bytez.Engine.Generation;

namespace Bytez.Engine.Tests.Generation;

public sealed class GenerationSettingsTests
{
    private const int Vocabulary = 100;

    [Fact]
    public void Parse_EverySupportedParameterWithGoodValues_Accepted()
    {
        var s = Parse("""
            {
              "max_new_tokens": 7, "max_length": 30, "min_new_tokens": 2, "min_length": 3, "do_sample": true,
              "temperature": 0.7, "top_k": 5, "top_p": 0.9, "typical_p": 0.95, "min_p": 0.05, "repetition_penalty": 1.2,
              "no_repeat_ngram_size": 3, "seed": 42, "stop": "###", "stop_strings": ["END"], "return_full_text": false,
              "num_return_sequences": 2, "eos_token_id": [5, 6], "bad_words_ids": [[1], [2, 3]], "max_time": 1.5,
              "pad_token_id": 0, "bos_token_id": 1, "use_cache": true, "num_beams": 1, "enable_thinking": false
            }
            """);

        Assert.Equal(7, s.MaxNewTokens);
        Assert.Equal(30, s.MaxLength);
        Assert.Equal(2, s.MinNewTokens);
        Assert.Equal(3, s.MinLength);
        Assert.True(s.DoSample);
        Assert.Equal(0.7, s.Temperature);
        Assert.Equal(5, s.TopK);
        Assert.Equal(0.9, s.TopP);
        Assert.Equal(0.95, s.TypicalP);
        Assert.Equal(0.05, s.MinP);
        Assert.Equal(1.2, s.RepetitionPenalty);
        Assert.Equal(3, s.NoRepeatNgramSize);
        Assert.Equal(42L, s.Seed);
        Assert.Equal(["###", "END"], s.StopStrings);
        Assert.False(s.ReturnFullText);
        Assert.Equal(2, s.NumReturnSequences);
        Assert.Equal([5, 6], s.EosTokenIds);
        Assert.Equal([[1], [2, 3]], s.BadWordsIds);
        Assert.Equal(TimeSpan.FromSeconds(1.5), s.MaxTime);
        Assert.False(s.EnableThinking);
    }

    [Fact]
    public void Supported_ListsEveryParameterOfTheIssue()
    {
        string[] issue =
        [
            "max_new_tokens", "max_length", "min_new_tokens", "min_length", "do_sample", "temperature", "top_k", "top_p",
            "typical_p", "min_p", "repetition_penalty", "no_repeat_ngram_size", "seed", "stop", "stop_strings",
            "return_full_text", "num_return_sequences", "eos_token_id", "bad_words_ids",
        ];

        Assert.All(issue, p => Assert.Contains(p, GenerationSettings.Supported));
        Assert.Empty(GenerationSettings.Supported.Intersect(GenerationSettings.NotImplemented.Keys));
    }

    [Fact]
    public void Parse_NoParams_HuggingFaceDefaults()
    {
        foreach (var s in new[] { GenerationSettings.Parse(null, GenerationDefaults.None, Vocabulary), Parse("{}"), Parse("null") })
        {
            Assert.Null(s.MaxNewTokens);
            Assert.Equal(20, s.MaxLength);
            Assert.False(s.DoSample);
            Assert.Equal(1.0, s.Temperature);
            Assert.Equal(50, s.TopK);
            Assert.Equal(1.0, s.TopP);
            Assert.Equal(1.0, s.TypicalP);
            Assert.Equal(0, s.MinP);
            Assert.Equal(1.0, s.RepetitionPenalty);
            Assert.Equal(1, s.NumReturnSequences);
            Assert.Null(s.EosTokenIds);
            Assert.Null(s.Seed);
            Assert.Empty(s.StopStrings);
            Assert.Empty(s.BadWordsIds);
            Assert.Null(s.ReturnFullText);
        }
    }

    [Fact]
    public void Parse_ModelDefaults_ApplyWhenTheRequestIsSilent()
    {
        var defaults = new GenerationDefaults
        {
            MaxLength = 64, MaxNewTokens = 12, DoSample = true, Temperature = 0.6, TopK = 20, TopP = 0.8, MinP = 0.1,
            TypicalP = 0.9, RepetitionPenalty = 1.1, EosTokenIds = [7, 8],
        };

        var s = Parse("{}", defaults);

        Assert.Equal(64, s.MaxLength);
        Assert.Equal(12, s.MaxNewTokens);
        Assert.True(s.DoSample);
        Assert.Equal(0.6, s.Temperature);
        Assert.Equal(20, s.TopK);
        Assert.Equal(0.8, s.TopP);
        Assert.Equal(0.1, s.MinP);
        Assert.Equal(0.9, s.TypicalP);
        Assert.Equal(1.1, s.RepetitionPenalty);
        Assert.Equal([7, 8], s.EosTokenIds);
    }

    [Fact]
    public void Parse_RequestParams_OverrideModelDefaults()
    {
        var defaults = new GenerationDefaults { MaxNewTokens = 12, DoSample = true, Temperature = 0.6, TopK = 20, TopP = 0.8, EosTokenIds = [7] };

        var s = Parse("""{"max_new_tokens": 3, "do_sample": false, "temperature": 1.5, "top_k": 0, "top_p": 1, "eos_token_id": 9}""", defaults);

        Assert.Equal(3, s.MaxNewTokens);
        Assert.False(s.DoSample);
        Assert.Equal(1.5, s.Temperature);
        Assert.Equal(0, s.TopK);
        Assert.Equal(1.0, s.TopP);
        Assert.Equal([9], s.EosTokenIds);
    }

    [Fact]
    public void Parse_NullValue_KeepsTheDefault()
    {
        var s = Parse("""{"temperature": null, "max_new_tokens": null}""", new GenerationDefaults { Temperature = 0.6 });

        Assert.Equal(0.6, s.Temperature);
        Assert.Null(s.MaxNewTokens);
    }

    [Fact]
    public void Parse_UnknownParameter_BadInputListingSupportedParameters()
    {
        var e = Refused("""{"max_tokens": 5}""", EngineErrorKind.BadInput);

        Assert.Contains("max_tokens", e.Message, StringComparison.Ordinal);
        Assert.All(GenerationSettings.Supported, p => Assert.Contains(p, e.Message, StringComparison.Ordinal));
    }

    public static TheoryData<string> NotImplementedNames => [.. GenerationSettings.NotImplemented.Keys];

    [Theory]
    [MemberData(nameof(NotImplementedNames))]
    public void Parse_NotImplementedParameter_NotSupportedNamingIt(string name)
    {
        var e = Refused($$"""{"{{name}}": 1}""", EngineErrorKind.NotSupported);

        Assert.Contains($"`{name}`", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NumBeamsOne_Accepted() => Assert.NotNull(Parse("""{"num_beams": 1}"""));

    [Fact]
    public void Parse_NumBeamsTwo_NotSupportedNamingNumBeams()
    {
        var e = Refused("""{"num_beams": 2}""", EngineErrorKind.NotSupported);

        Assert.Contains("num_beams", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("temperature", "0", "> 0")]
    [InlineData("temperature", "-0.5", "> 0")]
    [InlineData("top_p", "0", "(0, 1]")]
    [InlineData("top_p", "1.01", "(0, 1]")]
    [InlineData("top_k", "-1", ">= 0")]
    [InlineData("top_k", "2.5", ">= 0")]
    [InlineData("max_new_tokens", "0", ">= 1")]
    [InlineData("max_length", "0", ">= 1")]
    [InlineData("min_new_tokens", "-1", ">= 0")]
    [InlineData("typical_p", "0", "(0, 1]")]
    [InlineData("typical_p", "1.5", "(0, 1]")]
    [InlineData("min_p", "1.1", "[0, 1]")]
    [InlineData("min_p", "-0.1", "[0, 1]")]
    [InlineData("repetition_penalty", "0", "> 0")]
    [InlineData("no_repeat_ngram_size", "-2", ">= 0")]
    [InlineData("num_return_sequences", "0", "1 to 16")]
    [InlineData("max_time", "0", "(0, 86400]")]
    [InlineData("temperature", "\"hot\"", "> 0")]
    [InlineData("do_sample", "1", "true or false")]
    [InlineData("seed", "1.5", "integer")]
    public void Parse_OutOfRange_BadInputSayingTheValidRange(string name, string value, string range)
    {
        var e = Refused($$"""{"{{name}}": {{value}}}""", EngineErrorKind.BadInput);

        Assert.Contains(name, e.Message, StringComparison.Ordinal);
        Assert.Contains(range, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NumReturnSequencesWithoutSampling_BadInputNamingDoSample()
    {
        var e = Refused("""{"num_return_sequences": 2}""", EngineErrorKind.BadInput);

        Assert.Contains("do_sample", e.Message, StringComparison.Ordinal);
        Assert.Equal(3, Parse("""{"num_return_sequences": 3, "do_sample": true}""").NumReturnSequences);
        Assert.Equal(3, Parse("""{"num_return_sequences": 3}""", new GenerationDefaults { DoSample = true }).NumReturnSequences);
    }

    [Fact]
    public void Parse_StopAsStringOrList_MergedWithStopStrings()
    {
        Assert.Equal(["\n"], Parse("""{"stop": "\n"}""").StopStrings);
        Assert.Equal(["a", "bc"], Parse("""{"stop": ["a", "bc"]}""").StopStrings);
        Assert.Equal(["x"], Parse("""{"stop_strings": "x"}""").StopStrings);
        Assert.Equal(["a", "b", "c"], Parse("""{"stop": ["a", "b"], "stop_strings": ["c"]}""").StopStrings);
    }

    [Theory]
    [InlineData("""{"stop": ""}""")]
    [InlineData("""{"stop": ["a", ""]}""")]
    [InlineData("""{"stop": 5}""")]
    [InlineData("""{"stop_strings": ["a", 1]}""")]
    public void Parse_BadStop_BadInput(string json) => Refused(json, EngineErrorKind.BadInput);

    [Fact]
    public void Parse_EosTokenIdIntOrList_Accepted()
    {
        Assert.Equal([3], Parse("""{"eos_token_id": 3}""").EosTokenIds);
        Assert.Equal([3, 99], Parse("""{"eos_token_id": [3, 99]}""").EosTokenIds);
    }

    [Theory]
    [InlineData("""{"eos_token_id": 100}""")]
    [InlineData("""{"eos_token_id": -1}""")]
    [InlineData("""{"eos_token_id": [1, 100]}""")]
    [InlineData("""{"eos_token_id": "2"}""")]
    public void Parse_EosTokenIdOutOfVocabulary_BadInputSayingTheRange(string json)
    {
        var e = Refused(json, EngineErrorKind.BadInput);

        Assert.Contains("eos_token_id", e.Message, StringComparison.Ordinal);
        Assert.Contains("0 to 99", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"bad_words_ids": [1, 2]}""")]
    [InlineData("""{"bad_words_ids": [[]]}""")]
    [InlineData("""{"bad_words_ids": [[1], []]}""")]
    [InlineData("""{"bad_words_ids": 3}""")]
    [InlineData("""{"bad_words_ids": [[1, "a"]]}""")]
    [InlineData("""{"bad_words_ids": [[100]]}""")]
    [InlineData("""{"bad_words_ids": [[1, -3]]}""")]
    public void Parse_BadWordsIdsWrongShapeOrRange_BadInputNamingIt(string json)
    {
        var e = Refused(json, EngineErrorKind.BadInput);

        Assert.Contains("bad_words_ids", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ParamsNotAnObject_BadInput() => Refused("[1]", EngineErrorKind.BadInput);

    [Fact]
    public void Parse_WholeNumberAsFloat_AcceptedForIntegers() => Assert.Equal(5, Parse("""{"max_new_tokens": 5.0}""").MaxNewTokens);

    [Fact]
    public void NewTokenBudget_MaxNewTokensWinsOverMaxLength_BothCappedByTheContext()
    {
        Assert.Equal(7, Parse("""{"max_new_tokens": 7, "max_length": 3}""").NewTokenBudget(promptLength: 10, contextLength: 100));
        Assert.Equal(10, Parse("""{"max_length": 20}""").NewTokenBudget(promptLength: 10, contextLength: 100));
        Assert.Equal(1, Parse("""{"max_length": 5}""").NewTokenBudget(promptLength: 10, contextLength: 100)); // as HF: one step, then stop
        Assert.Equal(1, Parse("""{"max_length": 10}""").NewTokenBudget(promptLength: 10, contextLength: 100));
        Assert.Equal(0, Parse("""{"max_length": 5}""").NewTokenBudget(promptLength: 10, contextLength: 10)); // no room in the context
        Assert.Equal(5, Parse("""{"max_new_tokens": 50}""").NewTokenBudget(promptLength: 10, contextLength: 15));
    }

    [Fact]
    public void MinimumNewTokens_LargerOfMinNewTokensAndMinLengthMinusPrompt()
    {
        Assert.Equal(4, Parse("""{"min_new_tokens": 4, "min_length": 5}""").MinimumNewTokens(promptLength: 3));
        Assert.Equal(7, Parse("""{"min_new_tokens": 4, "min_length": 10}""").MinimumNewTokens(promptLength: 3));
        Assert.Equal(0, Parse("""{"min_length": 2}""").MinimumNewTokens(promptLength: 3));
    }

    private static GenerationSettings Parse(string json, GenerationDefaults? defaults = null)
    {
        using var document = JsonDocument.Parse(json);
        return GenerationSettings.Parse(document.RootElement.Clone(), defaults ?? GenerationDefaults.None, Vocabulary);
    }

    private static EngineException Refused(string json, EngineErrorKind kind)
    {
        var e = Assert.Throws<EngineException>(() => Parse(json));
        Assert.Equal(kind, e.Kind);
        return e;
    }
}
