using System.Text.RegularExpressions;
using Bytez.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bytez.Engine.LlamaCpp;

/// <summary>
/// The llama.cpp backend (<c>llama.cpp</c>, through LLamaSharp): loads GGUF decoder models into
/// <see cref="LlamaCppInstance"/>s for text generation and chat.
/// </summary>
public sealed partial class LlamaCppRuntime : IModelRuntime
{
    private readonly LlamaCppOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates the runtime with the given options (or the defaults) and logger (llama.cpp's own log goes there too).</summary>
    public LlamaCppRuntime(LlamaCppOptions? options = null, ILogger<LlamaCppRuntime>? logger = null)
    {
        _options = options ?? new LlamaCppOptions();
        _options.Validate();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The tasks this runtime serves.</summary>
    public static IReadOnlySet<string> SupportedTasks { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        BytezTasks.TextGeneration, BytezTasks.Chat,
    };

    /// <inheritdoc />
    public string Name => "llama.cpp";

    /// <inheritdoc />
    public bool CanLoad(ModelDescriptor model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return SupportedTasks.Contains(model.Task) && FindGgufFile(model.Path) is not null;
    }

    /// <inheritdoc />
    public async ValueTask<IModelInstance> LoadAsync(ModelDescriptor model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!SupportedTasks.Contains(model.Task))
        {
            throw EngineException.NotSupported(
                $"The llama.cpp runtime does not serve the task '{model.Task}' (supported: {string.Join(", ", SupportedTasks.Order(StringComparer.Ordinal))}).");
        }

        string path = FindGgufFile(model.Path)
            ?? throw EngineException.NotFound($"No single GGUF file found at '{model.Path}' (a .gguf file, or a folder holding exactly one).");
        return await Task.Run(() => LlamaCppInstance.Load(model, path, _options, _logger, cancellationToken), cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>
    /// The GGUF file a model path names: the path itself when it is a <c>.gguf</c> file, or the one <c>.gguf</c> file
    /// in a folder (multimodal projectors <c>mmproj*.gguf</c> aside; of a split model, its first part). Otherwise
    /// <see langword="null"/>.
    /// </summary>
    public static string? FindGgufFile(string path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        if (File.Exists(path))
        {
            return path.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase) ? path : null;
        }

        if (!Directory.Exists(path))
        {
            return null;
        }

        var files = Directory.EnumerateFiles(path, "*.gguf", SearchOption.TopDirectoryOnly)
            .Where(f => !Path.GetFileName(f).StartsWith("mmproj", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (files.Count == 1)
        {
            return files[0];
        }

        // A split model: name-00001-of-00003.gguf, ... (llama.cpp loads the rest from the first).
        if (files.Count > 1 && files.All(f => SplitPart().IsMatch(f)))
        {
            string first = files[0];
            string prefix = SplitPart().Replace(first, string.Empty);
            return files.All(f => SplitPart().Replace(f, string.Empty) == prefix) && SplitPart().Match(first).Groups[1].Value == "00001"
                ? first
                : null;
        }

        return null;
    }

    /// <summary>
    /// The bytes one llama.cpp context's key/value cache takes for this model under <paramref name="options"/> (F16
    /// cache, <see cref="LlamaCppOptions.SequencesPerContext"/> sequences of the capped context length each), from
    /// the GGUF metadata; 0 when the metadata lacks the sizes. Add it to the file size for a RAM estimate.
    /// </summary>
    public static long EstimateContextBytes(Gguf.GgufFile header, LlamaCppOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(header);
        options ??= new LlamaCppOptions();
        string arch = header.Architecture ?? "llama";
        long layers = header.GetInteger(arch + ".block_count") ?? 0;
        long embedding = header.GetInteger(arch + ".embedding_length") ?? 0;
        long heads = header.GetInteger(arch + ".attention.head_count") ?? 0;
        long kvHeads = header.GetInteger(arch + ".attention.head_count_kv") ?? heads;
        if (layers <= 0 || embedding <= 0 || heads <= 0)
        {
            return 0;
        }

        long keyLength = header.GetInteger(arch + ".attention.key_length") ?? (embedding / heads);
        long valueLength = header.GetInteger(arch + ".attention.value_length") ?? keyLength;
        long trained = header.GetInteger(arch + ".context_length") ?? options.MaxContextLength;
        long tokens = Math.Min(trained > 0 ? trained : options.MaxContextLength, options.MaxContextLength) * options.SequencesPerContext;
        if (kvHeads < 0 || keyLength < 0 || valueLength < 0)
        {
            return 0;
        }

        // The values come from an untrusted file: computed in floating point and saturated, never wrapped (exact below 2^53).
        double bytes = (double)layers * kvHeads * ((double)keyLength + valueLength) * sizeof(short) * tokens;
        return bytes >= long.MaxValue ? long.MaxValue : (long)bytes;
    }

    [GeneratedRegex(@"-(\d{5})-of-\d{5}\.gguf$", RegexOptions.IgnoreCase)]
    private static partial Regex SplitPart();
}
