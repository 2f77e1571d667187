using Bytez.Engine.Onnx.Generation;

namespace Bytez.Engine.Tests.Generation;

public sealed class OnnxDecoderConfigTests
{
    [Fact]
    public void Parse_Gpt2Names_ReadsShapes()
    {
        var c = DecoderModelConfig.Parse("""
            {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "n_ctx": 1024, "n_embd": 768, "n_head": 12,
             "n_layer": 12, "n_positions": 1024, "vocab_size": 50257, "bos_token_id": 50256, "eos_token_id": 50256}
            """);
        Assert.Equal((12, 12, 12, 768, 64, 50257, 1024), (c.LayerCount, c.AttentionHeads, c.KeyValueHeads, c.HiddenSize, c.HeadDim, c.VocabularySize, c.ContextLength));
        Assert.True(c.IsCausalLanguageModel);
        Assert.Equal(50256, c.BosTokenId);
        Assert.Equal([50256], c.EosTokenIds);
    }

    [Fact]
    public void Parse_LlamaGroupedQuery_ReadsKeyValueHeadsAndEosList()
    {
        var c = DecoderModelConfig.Parse("""
            {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 2048, "num_attention_heads": 32,
             "num_key_value_heads": 8, "num_hidden_layers": 16, "max_position_embeddings": 131072, "vocab_size": 128256,
             "head_dim": 64, "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009], "rope_scaling": {"rope_type": "llama3"}}
            """);
        Assert.Equal((16, 32, 8, 64, 131072), (c.LayerCount, c.AttentionHeads, c.KeyValueHeads, c.HeadDim, c.ContextLength));
        Assert.Equal([128001, 128008, 128009], c.EosTokenIds);
    }

    [Fact]
    public void Parse_Qwen2_DerivesHeadDimFromHiddenSize()
    {
        var c = DecoderModelConfig.Parse("""
            {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 896, "num_attention_heads": 14,
             "num_key_value_heads": 2, "num_hidden_layers": 24, "max_position_embeddings": 32768, "vocab_size": 151936,
             "sliding_window": 32768, "tie_word_embeddings": true, "bos_token_id": 151643, "eos_token_id": 151645}
            """);
        Assert.Equal((24, 14, 2, 64, 32768, 151936), (c.LayerCount, c.AttentionHeads, c.KeyValueHeads, c.HeadDim, c.ContextLength, c.VocabularySize));
    }

    [Fact]
    public void Parse_Phi3_ReadsNamesAndNullPad()
    {
        var c = DecoderModelConfig.Parse("""
            {"architectures": ["Phi3ForCausalLM"], "model_type": "phi3", "hidden_size": 3072, "num_attention_heads": 32,
             "num_key_value_heads": 32, "num_hidden_layers": 32, "max_position_embeddings": 4096, "original_max_position_embeddings": 4096,
             "vocab_size": 32064, "bos_token_id": 1, "eos_token_id": 32000, "pad_token_id": 32000, "rope_scaling": null}
            """);
        Assert.Equal((32, 32, 32, 96, 4096), (c.LayerCount, c.AttentionHeads, c.KeyValueHeads, c.HeadDim, c.ContextLength));
        Assert.Equal(32000, c.PadTokenId);
    }

    [Fact]
    public void Parse_GemmaHeadDim_WinsOverHiddenSizeByHeads()
    {
        // gemma-7b: 3072 / 16 = 192, but head_dim is 256.
        var c = DecoderModelConfig.Parse("""
            {"architectures": ["GemmaForCausalLM"], "model_type": "gemma", "hidden_size": 3072, "num_attention_heads": 16,
             "num_key_value_heads": 16, "head_dim": 256, "num_hidden_layers": 28, "max_position_embeddings": 8192, "vocab_size": 256000,
             "bos_token_id": 2, "eos_token_id": 1, "pad_token_id": 0}
            """);
        Assert.Equal((28, 16, 256, 8192), (c.LayerCount, c.KeyValueHeads, c.HeadDim, c.ContextLength));
    }

    [Fact]
    public void Parse_Gemma3Multimodal_ReadsTextConfig()
    {
        var c = DecoderModelConfig.Parse("""
            {"architectures": ["Gemma3ForConditionalGeneration"], "model_type": "gemma3",
             "text_config": {"model_type": "gemma3_text", "hidden_size": 2560, "num_attention_heads": 8, "num_key_value_heads": 4,
                             "head_dim": 256, "num_hidden_layers": 34, "max_position_embeddings": 131072, "vocab_size": 262208}}
            """);
        Assert.Equal((34, 8, 4, 256, 131072, 262208), (c.LayerCount, c.AttentionHeads, c.KeyValueHeads, c.HeadDim, c.ContextLength, c.VocabularySize));
        Assert.False(c.IsCausalLanguageModel);
    }

    [Fact]
    public void Parse_MultiQuery_HasOneKeyValueHead()
    {
        var c = DecoderModelConfig.Parse("""{"model_type": "gpt_bigcode", "n_embd": 768, "n_head": 12, "n_layer": 12, "multi_query": true}""");
        Assert.Equal(1, c.KeyValueHeads);
    }

    [Fact]
    public void Parse_GenerationConfig_ReadsDefaultsAndEosForms()
    {
        var d = GenerationConfigReader.Parse("""
            {"bos_token_id": 1, "eos_token_id": [2, 32007], "pad_token_id": 0, "do_sample": true, "temperature": 0.7, "top_k": 20,
             "top_p": 0.8, "min_p": 0.05, "typical_p": 0.9, "repetition_penalty": 1.05, "max_new_tokens": 256, "max_length": 4096}
            """);
        Assert.Equal([2, 32007], d.EosTokenIds);
        Assert.Equal((1, 0, true, 0.7, 20, 0.8, 0.05, 0.9, 1.05, 256, 4096),
            (d.BosTokenId, d.PadTokenId, d.DoSample, d.Temperature, d.TopK, d.TopP, d.MinP, d.TypicalP, d.RepetitionPenalty, d.MaxNewTokens, d.MaxLength));

        var single = GenerationConfigReader.Parse("""{"eos_token_id": 50256, "temperature": null}""");
        Assert.Equal([50256], single.EosTokenIds);
        Assert.Null(single.Temperature);
        Assert.Null(single.DoSample);
    }

    [Fact]
    public void Read_NoGenerationConfig_FallsBackToModelConfigTokens()
    {
        var folder = Directory.CreateTempSubdirectory("bytez-genconfig-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "config.json"), """{"model_type": "gpt2", "bos_token_id": 5, "eos_token_id": [6, 7]}""");
            var d = GenerationConfigReader.Read(folder);
            Assert.Equal(5, d.BosTokenId);
            Assert.Equal([6, 7], d.EosTokenIds);
            Assert.Null(d.MaxNewTokens);
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    [Fact]
    public void ReadChatTemplate_StringListAndJinjaFile_AreRead()
    {
        var folder = Directory.CreateTempSubdirectory("bytez-template-").FullName;
        try
        {
            Assert.Null(GenerationConfigReader.ReadChatTemplate(folder));

            File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), """{"chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D"}]}""");
            Assert.Equal("D", GenerationConfigReader.ReadChatTemplate(folder));

            File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), """{"chat_template": "S"}""");
            Assert.Equal("S", GenerationConfigReader.ReadChatTemplate(folder));

            File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), """{"bos_token": "<s>"}""");
            File.WriteAllText(Path.Combine(folder, "chat_template.jinja"), "J");
            Assert.Equal("J", GenerationConfigReader.ReadChatTemplate(folder));
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }
}
