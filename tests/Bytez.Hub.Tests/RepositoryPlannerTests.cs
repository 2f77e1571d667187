using Bytez.Hub;

namespace Bytez.Hub.Tests;

/// <summary>The planner's rules over repositories built in code (no HTTP).</summary>
public sealed class RepositoryPlannerTests
{
    private const string Commit = "0123456789abcdef0123456789abcdef01234567";

    private static readonly string[] DecoderSupport = ["config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json"];

    private static readonly SupportedModels Everything = Supported(["feature-extraction", "sentence-similarity", "text-generation", "chat"], ["onnx", "gguf"]);

    [Theory]
    [InlineData("feature-extraction", null, new[] { "onnx/model.onnx", "tokenizer.json" }, "feature-extraction")]
    [InlineData("sentence-similarity", "sentence-transformers", new[] { "onnx/model.onnx", "vocab.txt" }, "sentence-similarity")]
    [InlineData(null, "sentence-transformers", new[] { "onnx/model.onnx", "tokenizer.json" }, "feature-extraction")]
    [InlineData(null, "gguf", new[] { "model-Q4_K_M.gguf" }, "text-generation")]
    [InlineData(null, null, new[] { "model-Q8_0.gguf" }, "text-generation")]
    [InlineData("text-generation", "transformers.js", new[] { "onnx/model.onnx", "config.json", "tokenizer.json" }, "text-generation")]
    public void Plan_Task_FromPipelineTagOrInferred(string? tag, string? library, string[] paths, string expected)
    {
        var plan = Plan(Repo(tag, paths) with { LibraryName = library });

        Assert.Equal(expected, plan.Task);
    }

    [Theory]
    [InlineData("text-to-image", null, "'text-to-image'")]
    [InlineData("text2text-generation", null, "'text2text-generation'")]
    [InlineData(null, "transformers", "no pipeline tag")]
    public void Plan_TaskUnknownOrUnsupported_FailsNamingTaskAndSupportedTasks(string? tag, string? library, string expected)
    {
        var error = Fails(Repo(tag, "onnx/model.onnx", "config.json", "tokenizer.json") with { LibraryName = library });

        Assert.Equal(HubErrorKind.Unsupported, error.Kind);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("feature-extraction", error.Message, StringComparison.Ordinal);
        Assert.Contains("text-generation", error.Message, StringComparison.Ordinal);
        Assert.Contains("org/model", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("text-to-image", "minutes per image")]
    [InlineData("text-to-video", "hours per clip")]
    [InlineData("unconditional-image-generation", "minutes per image")]
    [InlineData("mask-generation", "32×32 grid")]
    public void Plan_TaskThatCannotRunOnACpu_IsRefusedByDesignSayingWhy(string tag, string why)
    {
        var error = Fails(Repo(tag, "onnx/model.onnx", "config.json", "model_index.json"));

        Assert.Equal(HubErrorKind.Unsupported, error.Kind);
        Assert.Contains($"'{tag}', which this server does not run by design", error.Message, StringComparison.Ordinal);
        Assert.Contains(why, error.Message, StringComparison.Ordinal);
        Assert.Contains("It serves: chat, feature-extraction", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_TaskNotServedByThisServer_Fails()
    {
        var embeddingsOnly = Supported(["feature-extraction"], ["onnx"]);

        var error = Fails(Repo("text-generation", [.. DecoderSupport, "onnx/model.onnx"]), supported: embeddingsOnly);

        Assert.Equal(HubErrorKind.Unsupported, error.Kind);
        Assert.Contains("'text-generation'", error.Message, StringComparison.Ordinal);
        Assert.Contains("supported: feature-extraction", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_OnnxDecoder_DownloadsSupportFilesThenOneWeightWithItsData()
    {
        var repo = Repo(
            "text-generation",
            ".gitattributes", "README.md", "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "chat_template.jinja", "model.safetensors", "onnx/model.onnx", "onnx/model.onnx_data",
            "onnx/model_fp16.onnx", "onnx/model_fp16.onnx_data", "onnx/model_q4.onnx", "onnx/model_quantized.onnx", "onnx/decoder_model_merged.onnx");

        var plan = Plan(repo);

        Assert.Equal(
            ["config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja",
             "onnx/model.onnx", "onnx/model.onnx_data"],
            plan.Files.Select(f => f.Path));
        Assert.Equal(ModelFormats.Onnx, plan.Format);
        Assert.Equal(string.Empty, plan.ModelPath);
        Assert.Equal("org/model", plan.ModelId);
        Assert.Equal(Commit, plan.Commit);
        Assert.Equal(plan.Files.Sum(f => f.Size), plan.TotalBytes);
    }

    [Theory]
    [InlineData(null, new[] { "onnx/model_q4.onnx", "onnx/model_fp16.onnx" }, new[] { "onnx/model_fp16.onnx" })]
    [InlineData(null, new[] { "onnx/model_q4f16.onnx", "onnx/model_quantized.onnx" }, new[] { "onnx/model_quantized.onnx" })]
    [InlineData(null, new[] { "model.onnx" }, new[] { "model.onnx" })]
    [InlineData(null, new[] { "onnx/decoder_model_merged.onnx", "onnx/decoder_model_merged.onnx_data", "onnx/decoder_model.onnx" }, new[] { "onnx/decoder_model_merged.onnx", "onnx/decoder_model_merged.onnx_data" })]
    [InlineData("q4", new[] { "onnx/model.onnx", "onnx/model_q4.onnx", "onnx/model_q4f16.onnx" }, new[] { "onnx/model_q4.onnx" })]
    [InlineData("q8", new[] { "onnx/model.onnx", "onnx/model_quantized.onnx" }, new[] { "onnx/model_quantized.onnx" })]
    [InlineData("quantized", new[] { "onnx/model.onnx", "onnx/model_quantized.onnx" }, new[] { "onnx/model_quantized.onnx" })]
    [InlineData("fp32", new[] { "onnx/model.onnx", "onnx/model_fp16.onnx" }, new[] { "onnx/model.onnx" })]
    [InlineData("FP16", new[] { "onnx/model.onnx", "onnx/model_fp16.onnx", "onnx/model_fp16.onnx_data", "onnx/model_fp16.onnx_data_1" }, new[] { "onnx/model_fp16.onnx", "onnx/model_fp16.onnx_data", "onnx/model_fp16.onnx_data_1" })]
    public void Plan_OnnxVariant_PicksTheFileTheEngineLoads(string? variant, string[] weights, string[] expected)
    {
        var plan = Plan(Repo("text-generation", [.. DecoderSupport, .. weights]), new HubOptions { OnnxVariant = variant });

        Assert.Equal(expected, plan.Files.Select(f => f.Path).Where(p => p.EndsWith(".onnx", StringComparison.Ordinal) || p.Contains(".onnx_data", StringComparison.Ordinal)));
    }

    [Fact]
    public void Plan_OnnxVariantMissing_FailsListingTheVariantsAndTheOption()
    {
        var repo = Repo("text-generation", [.. DecoderSupport, "onnx/model.onnx", "onnx/model_fp16.onnx", "onnx/model_quantized.onnx"]);

        var error = Fails(repo, new HubOptions { OnnxVariant = "q4f16" });

        Assert.Equal(HubErrorKind.Unsupported, error.Kind);
        Assert.Contains("'q4f16'", error.Message, StringComparison.Ordinal);
        Assert.Contains("fp16, fp32 and q8", error.Message, StringComparison.Ordinal);
        Assert.Contains("Bytez:Hub:OnnxVariant", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("t5", new[] { "onnx/encoder_model.onnx", "onnx/decoder_model_merged.onnx" })]
    [InlineData("whisper", new[] { "onnx/encoder_model.onnx", "onnx/decoder_model_merged_q4.onnx" })]
    [InlineData(null, new[] { "onnx/encoder_model.onnx", "onnx/decoder_model.onnx", "onnx/decoder_with_past_model.onnx" })]
    [InlineData("bart", new[] { "model.safetensors" })]
    public void Plan_EncoderDecoder_FailsSayingNotSupportedYet(string? modelType, string[] weights)
    {
        var error = Fails(Repo("text-generation", [.. DecoderSupport, .. weights]) with { ModelType = modelType });

        Assert.Equal(HubErrorKind.Unsupported, error.Kind);
        Assert.Contains("encoder-decoder models are not supported yet", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tokenizer.json", "no tokenizer.json")]
    [InlineData("config.json", "no config.json")]
    public void Plan_OnnxDecoderWithoutAFileTheEngineNeeds_Fails(string missing, string expected)
    {
        var repo = Repo("text-generation", [.. DecoderSupport.Where(p => p != missing), "onnx/model.onnx"]);

        var error = Fails(repo);

        Assert.Equal(HubErrorKind.Unsupported, error.Kind);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_OnnxDecoderUnusableButGgufPresent_FallsBackToGguf()
    {
        var plan = Plan(Repo("text-generation", "config.json", "onnx/model.onnx", "model-Q4_K_M.gguf"));

        Assert.Equal(ModelFormats.Gguf, plan.Format);
        Assert.Equal("model-Q4_K_M.gguf", plan.ModelPath);
    }

    [Fact]
    public void Plan_NotACausalLanguageModel_Fails()
    {
        var repo = Repo("text-generation", [.. DecoderSupport, "onnx/model.onnx"]) with { Architectures = ["BertForMaskedLM"] };

        var error = Fails(repo);

        Assert.Equal(HubErrorKind.Unsupported, error.Kind);
        Assert.Contains("BertForMaskedLM", error.Message, StringComparison.Ordinal);
        Assert.Contains("causal language model", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_SentenceTransformer_DownloadsItsConfigurationAndModelOnnxOnly()
    {
        var repo = Repo(
            "sentence-similarity",
            "config.json", "modules.json", "sentence_bert_config.json", "config_sentence_transformers.json", "1_Pooling/config.json",
            "2_Dense/config.json", "2_Dense/model.safetensors", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json",
            "onnx/model.onnx", "onnx/model_O4.onnx", "onnx/model_qint8_avx512.onnx", "openvino/openvino_model.xml", "pytorch_model.bin",
            "Pooling/config.json", "x_Pooling/config.json");

        var plan = Plan(repo);

        Assert.Equal(
            ["config.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt", "modules.json", "sentence_bert_config.json",
             "config_sentence_transformers.json", "1_Pooling/config.json", "2_Dense/config.json", "onnx/model.onnx"],
            plan.Files.Select(f => f.Path));
        Assert.Equal(ModelFormats.Onnx, plan.Format);
    }

    [Theory]
    [InlineData("model.onnx")]
    [InlineData("onnx/model_quantized.onnx")]
    [InlineData("onnx/model_q4.onnx")]
    [InlineData("model_fp16.onnx")]
    public void Plan_EncoderInTheLayoutsConversionsHave_TakesItsOnlyWeights(string weights)
    {
        var plan = Plan(Repo("feature-extraction", "config.json", "tokenizer.json", weights, "model.safetensors"));

        Assert.Equal(["config.json", "tokenizer.json", weights], plan.Files.Select(f => f.Path));
    }

    [Theory]
    [InlineData(null, "onnx/model.onnx")]
    [InlineData("fp32", "onnx/model.onnx")]
    [InlineData("q8", "onnx/model_quantized.onnx")]
    [InlineData("quantized", "onnx/model_quantized.onnx")]
    [InlineData("fp16", "onnx/model_fp16.onnx")]
    public void Plan_EncoderWithSeveralVariants_TakesFullPrecisionOrTheConfiguredOne(string? variant, string expected)
    {
        var repo = Repo("text-classification", "config.json", "tokenizer.json", "onnx/model.onnx", "onnx/model_quantized.onnx", "onnx/model_fp16.onnx");

        var plan = Plan(repo, new HubOptions { OnnxVariant = variant }, Supported(["text-classification"], ["onnx"]));

        Assert.Equal(expected, Assert.Single(plan.Files, f => f.Path.EndsWith(".onnx", StringComparison.Ordinal)).Path);
    }

    [Fact]
    public void Plan_EncoderWithoutTheConfiguredVariant_FailsNamingTheOnesItHas()
    {
        var repo = Repo("feature-extraction", "config.json", "tokenizer.json", "onnx/model.onnx", "onnx/model_quantized.onnx", "onnx/model_fp16.onnx");

        var error = Fails(repo, new HubOptions { OnnxVariant = "q4" });

        Assert.Equal(HubErrorKind.Unsupported, error.Kind);
        Assert.Contains("'q4'", error.Message, StringComparison.Ordinal);
        Assert.Contains("fp16, fp32 and q8", error.Message, StringComparison.Ordinal);
        Assert.Contains("Bytez:Hub:OnnxVariant", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_EncoderWithExternalData_DownloadsTheDataBesideTheGraph()
    {
        var repo = Repo("feature-extraction", "tokenizer.json", "onnx/model.onnx", "onnx/model.onnx_data", "onnx/model_fp16.onnx", "onnx/model_fp16.onnx_data");

        var plan = Plan(repo);

        Assert.Equal(["tokenizer.json", "onnx/model.onnx", "onnx/model.onnx_data"], plan.Files.Select(f => f.Path));
    }

    [Fact]
    public void NeedsConversion_SafetensorsOnly_IsTrueAndAnyOnnxOrGgufFileMakesItFalse()
    {
        Assert.True(RepositoryPlanner.NeedsConversion(Repo("text-classification", "config.json", "model.safetensors", "pytorch_model.bin")));
        Assert.False(RepositoryPlanner.NeedsConversion(Repo("text-classification", "config.json", "onnx/model_q4.onnx")));
        Assert.False(RepositoryPlanner.NeedsConversion(Repo("text-generation", "model-Q4_K_M.gguf")));
    }

    [Fact]
    public void Plan_EmbeddingWithoutTokenizer_FailsSayingNoTokenizerJson()
    {
        var error = Fails(Repo("feature-extraction", "config.json", "onnx/model.onnx", "tokenizer_config.json"));

        Assert.Equal(HubErrorKind.Unsupported, error.Kind);
        Assert.Contains("no tokenizer.json", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("text-generation", new[] { "config.json", "model.safetensors", "pytorch_model.bin" }, new[] { "safetensors, pytorch .bin", "ONNX in the Hugging Face/Optimum layout (onnx/model.onnx) or a GGUF file", "onnx-community/", "-GGUF" })]
    [InlineData("feature-extraction", new[] { "config.json", "model.safetensors", "tokenizer.json" }, new[] { "it has safetensors;", "ONNX in the Hugging Face/Optimum layout (onnx/model.onnx or model.onnx)", "onnx-community/" })]
    [InlineData("feature-extraction", new[] { "model-f16.gguf" }, new[] { "it has GGUF;", "ONNX in the Hugging Face/Optimum layout" })]
    [InlineData("text-generation", new[] { "README.md" }, new[] { "it has no weight files" })]
    public void Plan_NoRunnableWeights_FailsSayingWhatTheRepositoryHasAndWhatIsNeeded(string task, string[] paths, string[] expected)
    {
        var error = Fails(Repo(task, paths));

        Assert.Equal(HubErrorKind.Unsupported, error.Kind);
        foreach (var text in expected)
        {
            Assert.Contains(text, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Plan_GgufWithoutLlamaCpp_FailsNamingOnnxAsNeeded()
    {
        var error = Fails(Repo("text-generation", "model-Q4_K_M.gguf"), supported: Supported(["text-generation"], ["onnx"]));

        Assert.Equal(HubErrorKind.Unsupported, error.Kind);
        Assert.Contains("it has GGUF", error.Message, StringComparison.Ordinal);
        Assert.Contains("needs ONNX", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("or a GGUF file", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("onnx,gguf", "onnx")]
    [InlineData("gguf", "gguf")]
    public void Plan_OnnxAndGguf_OnnxPreferredWhenInstalled(string formats, string expected)
    {
        var repo = Repo("text-generation", [.. DecoderSupport, "onnx/model.onnx", "model-Q4_K_M.gguf"]);

        var plan = Plan(repo, supported: Supported(["text-generation"], formats.Split(',')));

        Assert.Equal(expected, plan.Format);
    }

    [Theory]
    [InlineData("Q4_K_M", new[] { "m-IQ4_K_M.gguf", "m-Q4_K_M.gguf", "m-Q8_0.gguf", "README.md" }, new[] { "m-Q4_K_M.gguf" })]
    [InlineData("q8_0", new[] { "m.Q4_K_M.gguf", "m.Q8_0.gguf" }, new[] { "m.Q8_0.gguf" })]
    [InlineData("Q4_0", new[] { "m-Q4_0_4_4.gguf", "m-Q4_0.gguf" }, new[] { "m-Q4_0.gguf" })]
    [InlineData("Q4_K", new[] { "m-Q4_K_M.gguf", "m_Q4_K.gguf" }, new[] { "m_Q4_K.gguf" })]
    [InlineData("F16", new[] { "m-BF16.gguf", "m-F16.gguf" }, new[] { "m-F16.gguf" })]
    [InlineData("Q4_K_M", new[] { "model-f16.gguf" }, new[] { "model-f16.gguf" })]
    [InlineData("Q4_K_M", new[] { "mmproj-model-f16.gguf", "model-Q8_0.gguf" }, new[] { "model-Q8_0.gguf" })]
    [InlineData("Q4_K_M", new[] { "Q4_K_M/m-Q4_K_M-00002-of-00002.gguf", "Q4_K_M/m-Q4_K_M-00001-of-00002.gguf", "m-Q8_0.gguf" }, new[] { "Q4_K_M/m-Q4_K_M-00001-of-00002.gguf", "Q4_K_M/m-Q4_K_M-00002-of-00002.gguf" })]
    [InlineData("Q4_K_M", new[] { "m-00001-of-00002.gguf", "m-00002-of-00002.gguf" }, new[] { "m-00001-of-00002.gguf", "m-00002-of-00002.gguf" })]
    public void Plan_GgufQuantization_PicksTheMatchingFileOrTheOnlyOne(string quantization, string[] paths, string[] expected)
    {
        var plan = Plan(Repo("text-generation", [.. paths, "config.json", "tokenizer.json"]), new HubOptions { GgufQuantization = quantization });

        Assert.Equal(ModelFormats.Gguf, plan.Format);
        Assert.Equal(expected, plan.Files.Select(f => f.Path));
        Assert.Equal(expected[0], plan.ModelPath);
    }

    [Fact]
    public void Plan_GgufQuantizationMissing_FailsListingTheQuantizationsAndTheOption()
    {
        var repo = Repo("text-generation", "m-Q2_K.gguf", "m-IQ4_K_M.gguf", "Q8_0/m-Q8_0-00001-of-00002.gguf", "Q8_0/m-Q8_0-00002-of-00002.gguf");

        var error = Fails(repo);

        Assert.Equal(HubErrorKind.Unsupported, error.Kind);
        Assert.Contains("'Q4_K_M'", error.Message, StringComparison.Ordinal);
        Assert.Contains("IQ4_K_M, Q2_K and Q8_0", error.Message, StringComparison.Ordinal);
        Assert.Contains("Bytez:Hub:GgufQuantization", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_SplitGgufIncomplete_Fails()
    {
        var error = Fails(Repo("text-generation", "m-Q4_K_M-00001-of-00003.gguf", "m-Q4_K_M-00002-of-00003.gguf"));

        Assert.Equal(HubErrorKind.Unsupported, error.Kind);
        Assert.Contains("2 of 3 parts", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_FileOverMaxFileBytes_FailsTooLargeNamingFileSizeAndOption()
    {
        var repo = Repo("text-generation", "model-Q4_K_M.gguf") with { Files = [new HubFile("model-Q4_K_M.gguf", 3_435_973_837, "b", "s")] };

        var error = Fails(repo, new HubOptions { MaxFileBytes = 1L << 30 });

        Assert.Equal(HubErrorKind.TooLarge, error.Kind);
        Assert.Contains("model-Q4_K_M.gguf", error.Message, StringComparison.Ordinal);
        Assert.Contains("3.2 GiB", error.Message, StringComparison.Ordinal);
        Assert.Contains("1 GiB", error.Message, StringComparison.Ordinal);
        Assert.Contains("Bytez:Hub:MaxFileBytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_ModelOverMaxModelBytes_FailsTooLargeNamingTotalAndOption()
    {
        var repo = Repo("text-generation", "m-00001-of-00002.gguf", "m-00002-of-00002.gguf") with
        {
            Files = [new HubFile("m-00001-of-00002.gguf", 600L << 20, "a", "1"), new HubFile("m-00002-of-00002.gguf", 600L << 20, "b", "2")],
        };

        var error = Fails(repo, new HubOptions { MaxFileBytes = 1L << 30, MaxModelBytes = 1L << 30 });

        Assert.Equal(HubErrorKind.TooLarge, error.Kind);
        Assert.Contains("1.2 GiB", error.Message, StringComparison.Ordinal);
        Assert.Contains("Bytez:Hub:MaxModelBytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_WithinCaps_Succeeds()
    {
        var plan = Plan(Repo("text-generation", "model.gguf"), new HubOptions { MaxFileBytes = 500, MaxModelBytes = 500 });

        Assert.Equal(500, plan.TotalBytes);
    }

    [Theory]
    [InlineData("../evil.gguf")]
    [InlineData("/etc/evil.gguf")]
    [InlineData("sub\\evil.gguf")]
    [InlineData("sub/../../evil.gguf")]
    [InlineData("C:/evil.gguf")]
    [InlineData("evil\u0001.gguf")]
    [InlineData("sub//evil.gguf")]
    public void Plan_UnsafeChosenPath_FailsInvalid(string path)
    {
        var error = Fails(Repo("text-generation", path));

        Assert.Equal(HubErrorKind.Invalid, error.Kind);
        Assert.Contains("unsafe path", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\u0001', error.Message);
    }

    [Fact]
    public void Plan_UnsafePathNotChosen_IsIgnored()
    {
        var plan = Plan(Repo("text-generation", [.. DecoderSupport, "onnx/model.onnx", "../README.md", "onnx/model.onnx_data/../../x"]));

        Assert.DoesNotContain(plan.Files, f => f.Path.Contains("..", StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_SpeechRecognition_WhisperIsAnEncoderDecoderSet_Wav2Vec2OneEncoder()
    {
        var speech = Supported(["automatic-speech-recognition"], ["onnx"]);
        var whisper = Repo(
            "automatic-speech-recognition", "config.json", "generation_config.json", "tokenizer.json", "preprocessor_config.json",
            "onnx/encoder_model.onnx", "onnx/decoder_model_merged.onnx", "onnx/decoder_model.onnx", "onnx/decoder_with_past_model.onnx") with { ModelType = "whisper" };
        var plan = Plan(whisper, supported: speech);
        Assert.Equal(
            ["onnx/encoder_model.onnx", "onnx/decoder_model_merged.onnx"],
            plan.Files.Select(f => f.Path).Where(p => p.EndsWith(".onnx", StringComparison.Ordinal)));

        var ctc = Repo("automatic-speech-recognition", "config.json", "preprocessor_config.json", "vocab.json", "onnx/model.onnx") with { ModelType = "wav2vec2" };
        Assert.Equal(["onnx/model.onnx"], Plan(ctc, supported: speech).Files.Select(f => f.Path).Where(p => p.EndsWith(".onnx", StringComparison.Ordinal)));
    }

    [Fact]
    public void Plan_TextToSpeech_VitsLayout_TakesTheVocabularyNotATokenizerJson()
    {
        // Xenova/mms-tts-eng: a character vocab.json and tokenizer_config.json, no tokenizer.json.
        var tts = Supported(["text-to-speech"], ["onnx"]);
        var repo = Repo(
            "text-to-speech", "config.json", "vocab.json", "tokenizer_config.json", "special_tokens_map.json", "README.md",
            "onnx/model.onnx", "onnx/model_quantized.onnx") with { ModelType = "vits" };
        var plan = Plan(repo, supported: tts);

        Assert.Equal(
            new[] { "config.json", "onnx/model.onnx", "special_tokens_map.json", "tokenizer_config.json", "vocab.json" },
            plan.Files.Select(f => f.Path).Order(StringComparer.Ordinal));

        var noVocab = Assert.Throws<HubException>(() => Plan(
            Repo("text-to-speech", "config.json", "tokenizer_config.json", "onnx/model.onnx") with { ModelType = "vits" }, supported: tts));
        Assert.Equal(HubErrorKind.Unsupported, noVocab.Kind);
        Assert.Contains("no vocab.json", noVocab.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("image-classification", "vit")] // Xenova/vit-base-patch16-224: no tokenizer of any kind
    [InlineData("object-detection", "detr")]
    [InlineData("image-segmentation", "segformer")]
    [InlineData("depth-estimation", "dpt")]
    [InlineData("image-feature-extraction", "dinov2")]
    [InlineData("audio-classification", "audio-spectrogram-transformer")]
    public void Plan_MediaEncoder_NeedsItsPreprocessorNotATokenizer(string task, string modelType)
    {
        var supported = Supported([task], ["onnx"]);
        var repo = Repo(task, "config.json", "preprocessor_config.json", "README.md", "onnx/model.onnx", "onnx/model_quantized.onnx") with { ModelType = modelType };

        var plan = Plan(repo, supported: supported);

        Assert.Equal(
            new[] { "config.json", "onnx/model.onnx", "preprocessor_config.json" },
            plan.Files.Select(f => f.Path).Order(StringComparer.Ordinal));

        var noPreprocessor = Fails(Repo(task, "config.json", "tokenizer.json", "onnx/model.onnx") with { ModelType = modelType }, supported: supported);
        Assert.Equal(HubErrorKind.Unsupported, noPreprocessor.Kind);
        Assert.Contains("no preprocessor_config.json", noPreprocessor.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_CtcSpeech_NeedsItsCharacterVocabulary()
    {
        var speech = Supported(["automatic-speech-recognition"], ["onnx"]);
        var files = new[] { "config.json", "preprocessor_config.json", "vocab.json", "tokenizer_config.json", "onnx/model.onnx" };

        var plan = Plan(Repo("automatic-speech-recognition", files) with { ModelType = "wav2vec2" }, supported: speech);
        Assert.Contains(plan.Files, f => f.Path == "vocab.json");

        var error = Fails(Repo("automatic-speech-recognition", [.. files.Where(f => f != "vocab.json")]) with { ModelType = "wav2vec2" }, supported: speech);
        Assert.Contains("no vocab.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_ZeroShotImage_NeedsPreprocessorAndTokenizer()
    {
        var supported = Supported(["zero-shot-image-classification"], ["onnx"]);
        var files = new[] { "config.json", "preprocessor_config.json", "tokenizer.json", "onnx/model.onnx", "onnx/text_model.onnx", "onnx/vision_model.onnx" };

        var plan = Plan(Repo("zero-shot-image-classification", files) with { ModelType = "clip" }, supported: supported);
        Assert.Equal(["onnx/model.onnx"], plan.Files.Select(f => f.Path).Where(p => p.EndsWith(".onnx", StringComparison.Ordinal)));

        var error = Fails(Repo("zero-shot-image-classification", [.. files.Where(f => f != "tokenizer.json")]) with { ModelType = "clip" }, supported: supported);
        Assert.Contains("no tokenizer.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_ImageToText_IsAnEncoderDecoderSet()
    {
        var repo = Repo("image-to-text", "config.json", "tokenizer.json", "onnx/encoder_model.onnx", "onnx/decoder_model_merged.onnx") with { ModelType = "vision-encoder-decoder" };
        var plan = Plan(repo, supported: Supported(["image-to-text"], ["onnx"]));
        Assert.Contains(plan.Files, f => f.Path == "onnx/decoder_model_merged.onnx");
    }

    [Fact]
    public void Plan_ImageToText_SplitDecodersOfATrOcrExport_WithItsImageProcessorAndTokenizer()
    {
        var repo = Repo(
            "image-to-text", "config.json", "generation_config.json", "preprocessor_config.json", "tokenizer.json", "tokenizer_config.json",
            "onnx/encoder_model.onnx", "onnx/decoder_model.onnx", "onnx/decoder_with_past_model.onnx", "onnx/encoder_model_quantized.onnx",
            "onnx/decoder_model_merged_quantized.onnx") with { ModelType = "vision-encoder-decoder" };

        var paths = Plan(repo, supported: Supported(["image-to-text"], ["onnx"])).Files.Select(f => f.Path).ToHashSet();

        Assert.Superset(
            new HashSet<string>
            {
                "config.json", "generation_config.json", "preprocessor_config.json", "tokenizer.json", "tokenizer_config.json",
                "onnx/encoder_model.onnx", "onnx/decoder_model.onnx", "onnx/decoder_with_past_model.onnx",
            },
            paths);
        Assert.DoesNotContain("onnx/decoder_model_merged_quantized.onnx", paths);
    }

    private static DownloadPlan Plan(HubRepository repository, HubOptions? options = null, SupportedModels? supported = null) =>
        RepositoryPlanner.Plan(repository, options ?? new HubOptions(), supported ?? Everything);

    private static HubException Fails(HubRepository repository, HubOptions? options = null, SupportedModels? supported = null) =>
        Assert.Throws<HubException>(() => Plan(repository, options, supported));

    private static HubRepository Repo(string? task, params string[] paths) => new()
    {
        Id = "org/model",
        Commit = Commit,
        PipelineTag = task,
        Files = [.. paths.Select(p => new HubFile(p, 500, "blob-" + p, p.EndsWith(".json", StringComparison.Ordinal) ? null : "sha-" + p))],
    };

    private static SupportedModels Supported(string[] tasks, string[] formats) => new()
    {
        Tasks = new HashSet<string>(tasks, StringComparer.Ordinal),
        Formats = new HashSet<string>(formats, StringComparer.Ordinal),
        Layout = Bytez.Server.Hosting.EngineModelLayout.Instance,
    };
}
