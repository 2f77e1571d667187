using System.Text.Json.Nodes;
using static Bytez.Testing.TinyModels.OnnxGraphBuilder;

namespace Bytez.Testing.TinyModels;

/// <summary>The two dual-encoder families of zero-shot-image-classification.</summary>
public enum DualEncoderStyle
{
    /// <summary>CLIP (<c>openai/clip-vit-base-patch32</c>): byte-level BPE, <c>attention_mask</c>, softmax over labels.</summary>
    Clip,

    /// <summary>SigLIP (<c>google/siglip-base-patch16-224</c>): SentencePiece Unigram, no <c>attention_mask</c>, sigmoid per label.</summary>
    Siglip,
}

/// <summary>A tiny dual encoder written by <see cref="DualEncoderModelWriter"/>, with its design in closed form.</summary>
/// <param name="Folder">The model folder.</param>
/// <param name="Style">CLIP or SigLIP.</param>
/// <param name="ImageSize">The processor's output size (height = width).</param>
public sealed record DualEncoderModel(string Folder, DualEncoderStyle Style, int ImageSize)
{
    /// <summary>The model id (<c>org/name</c>: the folder's last two segments).</summary>
    public string Id => EncoderModelFolders.Id(Folder);

    /// <summary>The logits' scale (CLIP's <c>logit_scale.exp()</c>, here a constant).</summary>
    public float Scale => Style == DualEncoderStyle.Clip ? DualEncoderModelWriter.ClipScale : DualEncoderModelWriter.SiglipScale;

    /// <summary>The logits' bias (SigLIP's <c>logit_bias</c>; 0 for CLIP).</summary>
    public float Bias => Style == DualEncoderStyle.Clip ? 0f : DualEncoderModelWriter.SiglipBias;

    /// <summary>
    /// The text embedding of a hypothesis from its words (lowercased, punctuation removed): the sum of the rows of its
    /// tokens — a colour word is its one-hot, <c>photo</c> is [0, 0, 0.5] in SigLIP's table (0 in CLIP's), every other
    /// word 0 — plus the end-of-text row (0.01, 0.01, 0.01) once for CLIP (its padding is masked) and, for SigLIP (no
    /// mask: <c>padding="max_length"</c>), once for every position from the end-of-text token to 64.
    /// </summary>
    public float[] TextEmbedding(IReadOnlyList<string> words)
    {
        var embedding = new float[3];
        foreach (var word in words)
        {
            var row = DualEncoderModelWriter.Row(word, Style);
            for (var c = 0; c < 3; c++)
            {
                embedding[c] += row[c];
            }
        }

        var ends = Style == DualEncoderStyle.Clip ? 1 : DualEncoderModelWriter.SiglipLength - words.Count;
        for (var c = 0; c < 3; c++)
        {
            embedding[c] += ends * DualEncoderModelWriter.EndRow;
        }

        return embedding;
    }

    /// <summary>
    /// <c>logits_per_image</c> for an image whose channel means (of <c>pixel_values</c>) are <paramref name="imageMeans"/>
    /// and a hypothesis of <paramref name="words"/>: <c>scale · image · text + bias</c> (in double, for expectations).
    /// </summary>
    public double Logit(IReadOnlyList<double> imageMeans, IReadOnlyList<string> words)
    {
        var text = TextEmbedding(words);
        double dot = 0;
        for (var c = 0; c < 3; c++)
        {
            dot += imageMeans[c] * text[c];
        }

        return (Scale * dot) + Bias;
    }

    /// <summary>
    /// The channel means of <c>pixel_values</c> for an image whose every pixel is (r, g, b): <c>(v / 255 − mean) / std</c>
    /// with CLIP's OpenAI mean and std, or SigLIP's 0.5 and 0.5 (a uniform image stays uniform through resize and crop).
    /// </summary>
    public double[] MeansOfColour(byte r, byte g, byte b)
    {
        var (mean, std) = Style == DualEncoderStyle.Clip
            ? (DualEncoderModelWriter.ClipMean, DualEncoderModelWriter.ClipStd)
            : ([0.5f, 0.5f, 0.5f], [0.5f, 0.5f, 0.5f]);
        byte[] rgb = [r, g, b];
        return [.. Enumerable.Range(0, 3).Select(c => (double)(((rgb[c] * (1f / 255f)) - mean[c]) / std[c]))];
    }
}

/// <summary>
/// Writes tiny dual encoders in the single-graph layout of Xenova's exports of <c>openai/clip-vit-base-patch32</c> and
/// <c>google/siglip-base-patch16-224</c> (<c>onnx/model.onnx</c>, <c>config.json</c> with <c>text_config</c> and
/// <c>vision_config</c>, <c>preprocessor_config.json</c>, <c>tokenizer.json</c>, <c>tokenizer_config.json</c>).
/// <para>
/// The graph: <c>input_ids</c> int64 [texts, tokens] (CLIP also <c>attention_mask</c>), <c>pixel_values</c> float32
/// [images, 3, H, W] → <c>logits_per_image</c> [images, texts] and <c>logits_per_text</c> [texts, images]. The image
/// embedding is the mean of each channel (ReduceMean); the text embedding the sum over tokens (CLIP: times the mask)
/// of a lookup table: one-hot rows for <c>red</c>, <c>green</c>, <c>blue</c>, (0.01, 0.01, 0.01) for the end-of-text
/// token (CLIP's <c>&lt;|endoftext|&gt;</c>, SigLIP's <c>&lt;/s&gt;</c>, which is also its padding), (0, 0, 0.5) for SigLIP's
/// <c>photo</c>, zero for every other token; <c>logits_per_image = scale · image · textᵀ + bias</c> (CLIP scale 10,
/// bias 0; SigLIP scale 10, bias −2). So a red picture is <c>red</c>, the CLIP scores are a softmax over the labels of
/// 10 × the channel mean, and the SigLIP scores show both the template (<c>photo</c>) and the padding to 64
/// (<see cref="DualEncoderModel.TextEmbedding"/>).
/// </para>
/// <para>
/// The tokenizers have the real repositories' structure: CLIP's byte-level BPE with <c>&lt;/w&gt;</c> word ends, its
/// normalizer (NFC, whitespace collapsed, lowercase), its Split pattern and RobertaProcessing with
/// <c>&lt;|startoftext|&gt;</c>/<c>&lt;|endoftext|&gt;</c> (pad <c>&lt;|endoftext|&gt;</c>); SigLIP's Unigram with
/// Metaspace, a normalizer doing what the slow <c>SiglipTokenizer</c> does (lowercase, punctuation removed, whitespace
/// collapsed and stripped) and <c>$A &lt;/s&gt;</c>, pad <c>&lt;/s&gt;</c>, <c>model_max_length</c> 64.
/// </para>
/// </summary>
public static class DualEncoderModelWriter
{
    /// <summary>CLIP's logit scale here.</summary>
    public const float ClipScale = 10f;

    /// <summary>SigLIP's logit scale here.</summary>
    public const float SiglipScale = 10f;

    /// <summary>SigLIP's logit bias here.</summary>
    public const float SiglipBias = -2f;

    /// <summary>The value of each channel of the end-of-text (and SigLIP padding) row.</summary>
    public const float EndRow = 0.01f;

    /// <summary>SigLIP's padded length (the pipeline's <c>max_length</c>).</summary>
    public const int SiglipLength = 64;

    /// <summary>OpenAI CLIP's image mean.</summary>
    public static readonly float[] ClipMean = [0.48145466f, 0.4578275f, 0.40821073f];

    /// <summary>OpenAI CLIP's image standard deviation.</summary>
    public static readonly float[] ClipStd = [0.26862954f, 0.26130258f, 0.27577711f];

    /// <summary>The words of the vocabularies (the default template's and the test labels').</summary>
    public static readonly IReadOnlyList<string> Words = ["this", "is", "a", "photo", "of", "red", "green", "blue", "dark", "cat", "and"];

    /// <summary>The colours, in embedding order.</summary>
    public static readonly IReadOnlyList<string> Colours = ["red", "green", "blue"];

    /// <summary>The table row of a word (see the class summary).</summary>
    public static float[] Row(string word, DualEncoderStyle style)
    {
        var row = new float[3];
        var colour = Colours.ToList().IndexOf(word);
        if (colour >= 0)
        {
            row[colour] = 1f;
        }
        else if (word == "photo" && style == DualEncoderStyle.Siglip)
        {
            row[2] = 0.5f;
        }

        return row;
    }

    /// <summary>Writes the folder (created when missing).</summary>
    public static DualEncoderModel Write(string folder, DualEncoderStyle style, int imageSize = 32)
    {
        var (vocabulary, endId) = style == DualEncoderStyle.Clip ? WriteClipTokenizer(folder) : WriteSiglipTokenizer(folder);
        var table = new float[vocabulary.Count * 3];
        for (var id = 0; id < vocabulary.Count; id++)
        {
            var word = vocabulary[id].TrimStart('▁').Replace("</w>", string.Empty, StringComparison.Ordinal);
            var row = id == endId ? [EndRow, EndRow, EndRow] : Row(word, style);
            row.CopyTo(table, id * 3);
        }

        var clip = style == DualEncoderStyle.Clip;
        var graph = new OnnxGraphBuilder(clip ? "tiny_clip" : "tiny_siglip");
        var ids = graph.Input("input_ids", Int64Type, "text_batch_size", "sequence_length");
        var mask = clip ? graph.Input("attention_mask", Int64Type, "text_batch_size", "sequence_length") : null;
        var pixels = graph.Input("pixel_values", FloatType, "image_batch_size", 3, "height", "width");
        var image = graph.Node("ReduceMean", [pixels], n => { IntList(n, "axes", 2, 3); Int(n, "keepdims", 0); });
        var rows = graph.Node("Gather", [graph.Floats("token_table", [vocabulary.Count, 3], table), ids]);
        if (mask is not null)
        {
            var weights = graph.Node("Unsqueeze", [graph.Node("Cast", [mask], n => Int(n, "to", FloatType)), graph.Ints("mask_axis", 2)]);
            rows = graph.Node("Mul", [rows, weights]);
        }

        var text = graph.Node("ReduceSum", [rows, graph.Ints("token_axis", 1)], n => Int(n, "keepdims", 0));
        var dot = graph.Node("MatMul", [image, graph.Node("Transpose", [text], n => IntList(n, "perm", 1, 0))]);
        var scaled = graph.Node("Mul", [dot, graph.Floats("logit_scale", [], [clip ? ClipScale : SiglipScale])]);
        graph.Node("Add", [scaled, graph.Floats("logit_bias", [], [clip ? 0f : SiglipBias])], output: "logits_per_image");
        graph.Node("Transpose", ["logits_per_image"], n => IntList(n, "perm", 1, 0), output: "logits_per_text");
        graph.Output("logits_per_image", FloatType, "image_batch_size", "text_batch_size");
        graph.Output("logits_per_text", FloatType, "text_batch_size", "image_batch_size");
        graph.Save(MediaModelFolders.OnnxPath(folder));

        var extra = new JsonObject
        {
            ["text_config"] = new JsonObject { ["max_position_embeddings"] = clip ? 77 : 64, ["vocab_size"] = vocabulary.Count, ["hidden_size"] = 3 },
            ["vision_config"] = new JsonObject { ["image_size"] = imageSize, ["patch_size"] = clip ? 32 : 16, ["hidden_size"] = 3 },
        };
        if (clip)
        {
            extra["logit_scale_init_value"] = 2.6592;
            extra["projection_dim"] = 3;
        }

        MediaModelFolders.WriteConfig(folder, clip ? "CLIPModel" : "SiglipModel", clip ? "clip" : "siglip", null, extra);
        MediaModelFolders.WritePreprocessor(folder, clip
            ? MediaModelFolders.ImageProcessor("CLIPImageProcessor", new JsonObject { ["shortest_edge"] = imageSize }, resample: 3, ClipMean, ClipStd, new JsonObject
            {
                ["crop_size"] = MediaModelFolders.Size(imageSize, imageSize),
                ["do_center_crop"] = true,
                ["do_convert_rgb"] = true,
                ["processor_class"] = "CLIPProcessor",
            })
            : MediaModelFolders.ImageProcessor("SiglipImageProcessor", MediaModelFolders.Size(imageSize, imageSize), resample: 3, [0.5f, 0.5f, 0.5f], [0.5f, 0.5f, 0.5f], new JsonObject
            {
                ["processor_class"] = "SiglipProcessor",
            }));
        return new DualEncoderModel(folder, style, imageSize);
    }

    /// <summary>CLIP's tokenizer files; returns the vocabulary in id order and the id of <c>&lt;|endoftext|&gt;</c>.</summary>
    private static (IReadOnlyList<string> Vocabulary, int EndId) WriteClipTokenizer(string folder)
    {
        // Byte-level BPE: the letters (alone and ending a word), '.', then each word's merges, chosen by simulating BPE
        // so that every word becomes one token "word</w>" (a merge added later never changes an earlier word).
        var vocabulary = new List<string>();
        foreach (var c in "abcdefghijklmnopqrstuvwxyz.")
        {
            vocabulary.Add(c.ToString());
            vocabulary.Add(c + "</w>");
        }

        var merges = new List<(string Left, string Right)>();
        foreach (var word in Words)
        {
            while (true)
            {
                var pieces = Bpe(word, merges);
                if (pieces.Count == 1)
                {
                    break;
                }

                var merge = (pieces[0], pieces[1]);
                merges.Add(merge);
                if (!vocabulary.Contains(pieces[0] + pieces[1]))
                {
                    vocabulary.Add(pieces[0] + pieces[1]);
                }
            }
        }

        var start = vocabulary.Count;
        vocabulary.Add("<|startoftext|>");
        vocabulary.Add("<|endoftext|>");
        var end = start + 1;
        var vocab = new JsonObject();
        for (var id = 0; id < vocabulary.Count; id++)
        {
            vocab[vocabulary[id]] = id;
        }

        var tokenizer = new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = new JsonArray(AddedToken(start, "<|startoftext|>", normalized: true), AddedToken(end, "<|endoftext|>", normalized: false)),
            ["normalizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["normalizers"] = new JsonArray(
                    new JsonObject { ["type"] = "NFC" },
                    new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["Regex"] = "\\s+" }, ["content"] = " " },
                    new JsonObject { ["type"] = "Lowercase" }),
            },
            ["pre_tokenizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["pretokenizers"] = new JsonArray(
                    new JsonObject
                    {
                        ["type"] = "Split",
                        ["pattern"] = new JsonObject { ["Regex"] = "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+" },
                        ["behavior"] = "Removed",
                        ["invert"] = true,
                    },
                    new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = false }),
            },
            ["post_processor"] = new JsonObject
            {
                ["type"] = "RobertaProcessing",
                ["sep"] = new JsonArray("<|endoftext|>", end),
                ["cls"] = new JsonArray("<|startoftext|>", start),
                ["trim_offsets"] = false,
                ["add_prefix_space"] = false,
            },
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = true, ["trim_offsets"] = true, ["use_regex"] = true },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = "<|endoftext|>",
                ["continuing_subword_prefix"] = "",
                ["end_of_word_suffix"] = "</w>",
                ["fuse_unk"] = false,
                ["byte_fallback"] = false,
                ["vocab"] = vocab,
                ["merges"] = new JsonArray([.. merges.Select(m => (JsonNode)$"{m.Left} {m.Right}")]),
            },
        };
        var config = new JsonObject
        {
            ["bos_token"] = "<|startoftext|>",
            ["clean_up_tokenization_spaces"] = true,
            ["do_lower_case"] = true,
            ["eos_token"] = "<|endoftext|>",
            ["model_max_length"] = 77,
            ["pad_token"] = "<|endoftext|>",
            ["tokenizer_class"] = "CLIPTokenizer",
            ["unk_token"] = "<|endoftext|>",
        };
        Directory.CreateDirectory(folder);
        EncoderTokenizerWriter.WriteJson(Path.Combine(folder, "tokenizer.json"), tokenizer);
        EncoderTokenizerWriter.WriteJson(Path.Combine(folder, "tokenizer_config.json"), config);
        return (vocabulary, end);
    }

    /// <summary>SigLIP's tokenizer files; returns the vocabulary in id order and the id of <c>&lt;/s&gt;</c>.</summary>
    private static (IReadOnlyList<string> Vocabulary, int EndId) WriteSiglipTokenizer(string folder)
    {
        var vocabulary = new List<string> { "<pad>", "</s>", "<unk>", "▁" };
        vocabulary.AddRange(Words.Select(w => "▁" + w));
        vocabulary.AddRange("abcdefghijklmnopqrstuvwxyz".Select(c => c.ToString()));
        var pieces = new JsonArray([.. vocabulary.Select((piece, id) => (JsonNode)new JsonArray(piece, id < 3 ? 0.0 : piece.StartsWith('▁') && piece.Length > 1 ? -2.0 : -10.0))]);
        var tokenizer = new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = new JsonArray(AddedToken(0, "<pad>", normalized: false), AddedToken(1, "</s>", normalized: false), AddedToken(2, "<unk>", normalized: false)),
            ["normalizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["normalizers"] = new JsonArray(
                    new JsonObject { ["type"] = "Lowercase" },
                    new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["Regex"] = "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~]" }, ["content"] = "" },
                    new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["Regex"] = "\\s+" }, ["content"] = " " },
                    new JsonObject { ["type"] = "Strip", ["strip_left"] = true, ["strip_right"] = true }),
            },
            ["pre_tokenizer"] = new JsonObject { ["type"] = "Metaspace", ["replacement"] = "▁", ["prepend_scheme"] = "always", ["split"] = true },
            ["post_processor"] = new JsonObject
            {
                ["type"] = "TemplateProcessing",
                ["single"] = new JsonArray(
                    new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } },
                    new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = "</s>", ["type_id"] = 0 } }),
                ["pair"] = new JsonArray(
                    new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } },
                    new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = "</s>", ["type_id"] = 0 } },
                    new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "B", ["type_id"] = 0 } },
                    new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = "</s>", ["type_id"] = 0 } }),
                ["special_tokens"] = new JsonObject { ["</s>"] = new JsonObject { ["id"] = "</s>", ["ids"] = new JsonArray(1), ["tokens"] = new JsonArray("</s>") } },
            },
            ["decoder"] = new JsonObject { ["type"] = "Metaspace", ["replacement"] = "▁", ["prepend_scheme"] = "always", ["split"] = true },
            ["model"] = new JsonObject { ["type"] = "Unigram", ["unk_id"] = 2, ["vocab"] = pieces, ["byte_fallback"] = false },
        };
        var config = new JsonObject
        {
            ["do_lower_case"] = true,
            ["eos_token"] = "</s>",
            ["model_input_names"] = new JsonArray("input_ids"),
            ["model_max_length"] = 64,
            ["pad_token"] = "</s>",
            ["tokenizer_class"] = "SiglipTokenizer",
            ["unk_token"] = "<unk>",
        };
        Directory.CreateDirectory(folder);
        EncoderTokenizerWriter.WriteJson(Path.Combine(folder, "tokenizer.json"), tokenizer);
        EncoderTokenizerWriter.WriteJson(Path.Combine(folder, "tokenizer_config.json"), config);
        return (vocabulary, 1);
    }

    private static JsonObject AddedToken(int id, string content, bool normalized) => new()
    {
        ["id"] = id,
        ["content"] = content,
        ["single_word"] = false,
        ["lstrip"] = false,
        ["rstrip"] = false,
        ["normalized"] = normalized,
        ["special"] = true,
    };

    /// <summary>BPE of one word (letters, the last with <c>&lt;/w&gt;</c>) under the merges in rank order.</summary>
    private static List<string> Bpe(string word, List<(string Left, string Right)> merges)
    {
        var pieces = word.Select((c, i) => i == word.Length - 1 ? c + "</w>" : c.ToString()).ToList();
        while (pieces.Count > 1)
        {
            var best = -1;
            var bestRank = int.MaxValue;
            for (var i = 0; i + 1 < pieces.Count; i++)
            {
                var rank = merges.IndexOf((pieces[i], pieces[i + 1]));
                if (rank >= 0 && rank < bestRank)
                {
                    (best, bestRank) = (i, rank);
                }
            }

            if (best < 0)
            {
                break;
            }

            pieces[best] += pieces[best + 1];
            pieces.RemoveAt(best + 1);
        }

        return pieces;
    }
}
