using System.Text.Json;
using Bytez.Engine.Onnx;
using Bytez.Engine.Onnx.Generation;
using Bytez.Testing.Properties;

namespace Bytez.Engine.Tests;

/// <summary>
/// The readers of a model folder's JSON (config.json, generation_config.json) and the ONNX format's description of a
/// folder whose files are damaged: only their documented exceptions.
/// </summary>
public sealed class ModelConfigPropertyTests
{
    private const long AllocationBound = 8L << 20;

    [Fact]
    public void DecoderModelConfigParse_RandomAndMutatedJson_ThrowsOnlyJsonException()
    {
        PropertyCheck.Run(Mutations.RandomJson(), json => Parse(() => DecoderModelConfig.Parse(json)), PropertySeed.Value, iterations: 3000);
        PropertyCheck.Run(Mutations.OfJson(TinyDecoderFiles.Text("config.json")), json => Parse(() => DecoderModelConfig.Parse(json)), PropertySeed.Value, iterations: 3000);
    }

    [Fact]
    public void GenerationConfigParse_RandomAndMutatedJson_ThrowsOnlyJsonException()
    {
        PropertyCheck.Run(Mutations.RandomJson(), json => Parse(() => GenerationConfigReader.Parse(json)), PropertySeed.Value, iterations: 3000);
        PropertyCheck.Run(Mutations.OfJson(TinyDecoderFiles.Text("generation_config.json")), json => Parse(() => GenerationConfigReader.Parse(json)), PropertySeed.Value, iterations: 3000);
    }

    [Fact]
    public void OnnxModelFormatTryDescribe_MutatedDecoderFolder_ThrowsOnlyEngineException()
    {
        var folder = Directory.CreateTempSubdirectory("bytez-onnx-property-").FullName;
        try
        {
            foreach (var file in Directory.EnumerateFiles(TinyDecoderFiles.Folder, "*", SearchOption.AllDirectories))
            {
                var target = Path.Combine(folder, Path.GetRelativePath(TinyDecoderFiles.Folder, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }

            var onnx = TinyDecoderFiles.Onnx;
            var config = TinyDecoderFiles.Text("config.json");
            var format = new OnnxModelFormat();
            var gen = CsCheck.Gen.Select(Mutations.Of(onnx), Mutations.OfJson(config));
            PropertyCheck.Run(gen, input =>
            {
                File.WriteAllBytes(Path.Combine(folder, "onnx", "model.onnx"), input.Item1);
                File.WriteAllText(Path.Combine(folder, "config.json"), input.Item2);
                UntrustedInput.Parse(() => format.TryDescribe("evil/model", folder, null), AllocationBound, typeof(EngineException));
            }, PropertySeed.Value, iterations: 300, print: input => $"{input.Item1.Length} bytes of ONNX; config {input.Item2}");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void SentenceTransformerConfigLoad_MutatedModulesJson_ThrowsOnlyEngineException()
    {
        var folder = Directory.CreateTempSubdirectory("bytez-st-property-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(folder, "onnx"));
            File.WriteAllBytes(Path.Combine(folder, "onnx", "model.onnx"), [0]);
            File.WriteAllText(Path.Combine(folder, "vocab.txt"), "[PAD]\n[UNK]\n");
            const string modules = """[{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"}, {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]""";
            PropertyCheck.Run(Mutations.OfJson(modules), json =>
            {
                File.WriteAllText(Path.Combine(folder, "modules.json"), json);
                UntrustedInput.Parse(() => SentenceTransformerConfig.Load(folder), AllocationBound, typeof(EngineException));
            }, PropertySeed.Value, iterations: 500);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static void Parse(Action parse) => UntrustedInput.Parse(parse, AllocationBound, typeof(JsonException));
}
