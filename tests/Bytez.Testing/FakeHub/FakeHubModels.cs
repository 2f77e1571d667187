using Bytez.Testing.TinyModels;

namespace Bytez.Testing.Hub;

/// <summary>Tiny real-format models published on a <see cref="FakeHub"/> as Hugging Face repositories.</summary>
public static class FakeHubModels
{
    /// <summary>A tiny ONNX decoder (GPT-2 layout with a chat template) as a text-generation repository in the Optimum layout.</summary>
    public static FakeRepository AddOnnxDecoder(this FakeHub hub, string id, OnnxDecoderModelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(hub);
        var folder = Directory.CreateTempSubdirectory("bytez-hub-onnx-").FullName;
        try
        {
            OnnxDecoderModelWriter.Write(folder, options ?? new OnnxDecoderModelOptions { ContextLength = 256 });
            var repo = hub.AddFolder(id, folder);
            repo.PipelineTag = "text-generation";
            repo.LibraryName = "transformers.js";
            repo.ModelType = "gpt2";
            return repo;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// A tiny GGUF llama model (with a chat template) under each file name given, different weights per file, as a
    /// text-generation repository such as <c>...-GGUF</c> repositories with one file per quantization.
    /// </summary>
    public static FakeRepository AddGguf(this FakeHub hub, string id, IReadOnlyList<string> fileNames, GgufTinyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(hub);
        ArgumentNullException.ThrowIfNull(fileNames);
        var repo = hub.AddRepository(id);
        repo.PipelineTag = "text-generation";
        repo.LibraryName = "gguf";
        repo.GgufArchitecture = "llama";
        var folder = Directory.CreateTempSubdirectory("bytez-hub-gguf-").FullName;
        try
        {
            for (var i = 0; i < fileNames.Count; i++)
            {
                var model = GgufModelWriter.WriteTinyLlama(Path.Combine(folder, fileNames[i]), (options ?? new GgufTinyOptions()) with { Seed = 1234 + i });
                repo.AddFile(fileNames[i], File.ReadAllBytes(model.Path));
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        return repo;
    }
}
