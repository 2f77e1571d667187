using Bytez.Testing.TinyModels;
using Microsoft.ML.OnnxRuntime;

namespace Bytez.Engine.Tests.TinyModels;

/// <summary>Runs a tiny encoder's <c>onnx/model.onnx</c> in a bare ONNX Runtime session, as an Optimum pipeline feeds it.</summary>
internal static class TinyEncoderRun
{
    /// <summary>A new empty folder <c>&lt;temp&gt;/bytez-tiny-&lt;pid&gt;/tiny/&lt;name&gt;</c> (an <c>org/name</c> model id).</summary>
    public static string NewFolder(string name)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"bytez-tiny-{Environment.ProcessId}", "tiny", name);
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>The input names the session asks for.</summary>
    public static IReadOnlyList<string> InputNames(string folder)
    {
        using var session = new InferenceSession(Path.Combine(folder, "onnx", "model.onnx"));
        return [.. session.InputMetadata.Keys];
    }

    /// <summary>
    /// Runs rows of token strings as one right-padded batch (pad id, mask 0; token types 0 before the first separator's
    /// end and 1 after it when asked for) and returns each output's values and shape.
    /// </summary>
    public static IReadOnlyDictionary<string, (float[] Values, long[] Shape)> Run(string folder, EncoderVocabulary vocabulary, params string[][] rows)
    {
        using var session = new InferenceSession(Path.Combine(folder, "onnx", "model.onnx"));
        var length = rows.Max(r => r.Length);
        var ids = new long[rows.Length * length];
        var mask = new long[ids.Length];
        var types = new long[ids.Length];
        for (var b = 0; b < rows.Length; b++)
        {
            var segment = 0;
            for (var s = 0; s < length; s++)
            {
                var i = b * length + s;
                if (s < rows[b].Length)
                {
                    ids[i] = vocabulary[rows[b][s]];
                    mask[i] = 1;
                    types[i] = segment;
                    if (rows[b][s] == vocabulary.Sep && s + 1 < rows[b].Length && rows[b][s + 1] != vocabulary.Sep)
                    {
                        segment = 1;
                    }
                }
                else
                {
                    ids[i] = vocabulary[vocabulary.Pad];
                }
            }
        }

        long[] shape = [rows.Length, length];
        var inputs = new Dictionary<string, OrtValue>
        {
            ["input_ids"] = OrtValue.CreateTensorValueFromMemory(ids, shape),
            ["attention_mask"] = OrtValue.CreateTensorValueFromMemory(mask, shape),
        };
        if (session.InputMetadata.ContainsKey("token_type_ids"))
        {
            inputs["token_type_ids"] = OrtValue.CreateTensorValueFromMemory(types, shape);
        }

        try
        {
            using var runOptions = new RunOptions();
            var names = session.OutputMetadata.Keys.ToArray();
            using var outputs = session.Run(runOptions, inputs, names);
            var result = new Dictionary<string, (float[], long[])>();
            for (var i = 0; i < names.Length; i++)
            {
                result[names[i]] = (outputs[i].GetTensorDataAsSpan<float>().ToArray(), outputs[i].GetTensorTypeAndShape().Shape);
            }

            return result;
        }
        finally
        {
            foreach (var value in inputs.Values)
            {
                value.Dispose();
            }
        }
    }

    /// <summary>The ids the Hugging Face Rust tokenizers give a text (special tokens added), as vocabulary strings.</summary>
    public static string[] OracleTokens(string folder, EncoderVocabulary vocabulary, string text)
    {
        using var oracle = new Tokenizers.DotNet.Tokenizer(Path.Combine(folder, "tokenizer.json"));
        return oracle.Encode(text).Select(id => vocabulary.Tokens[(int)id]).ToArray();
    }
}
