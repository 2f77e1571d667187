using Bytez.Engine.LlamaCpp.Gguf;
using Bytez.Protocol;

namespace Bytez.Engine.LlamaCpp;

/// <summary>
/// GGUF models (llama.cpp): a <c>.gguf</c> file, or a folder holding one. The task is chat when the file carries a
/// chat template, else text-generation; the parameter count is the sum of the tensors' element counts; the memory estimate is the file plus one context's key/value cache.
/// </summary>
public sealed class GgufModelFormat : IModelFormat
{
    private readonly LlamaCppOptions _options;

    /// <summary>Creates the format; the options decide the context sizes that the memory estimate includes.</summary>
    public GgufModelFormat(LlamaCppOptions? options = null) => _options = options ?? new LlamaCppOptions();

    /// <inheritdoc />
    public string Name => "gguf";

    /// <inheritdoc />
    public ModelDescriptor? TryDescribe(string id, string path, string? task)
    {
        if (LlamaCppRuntime.FindGgufFile(path) is not { } file || !GgufFile.HasMagic(file))
        {
            return null;
        }

        GgufFile header;
        try
        {
            header = GgufFile.ReadHeader(file);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException)
        {
            throw EngineException.BadInput($"{file} is not a readable GGUF file: {e.Message}");
        }

        long fileBytes = new FileInfo(file).Length;
        long contextBytes = LlamaCppRuntime.EstimateContextBytes(header, _options);
        return new ModelDescriptor
        {
            Id = id,
            Task = task ?? (header.GetString("tokenizer.chat_template") is { Length: > 0 } ? BytezTasks.Chat : BytezTasks.TextGeneration),
            Path = path,
            ParameterCount = header.ParameterCount,
            WeightBytes = fileBytes,
            EstimatedRamBytes = contextBytes > long.MaxValue - fileBytes ? long.MaxValue : fileBytes + contextBytes,
        };
    }
}
