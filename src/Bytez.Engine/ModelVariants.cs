using System.Text.Json;
using Bytez.Engine.Layouts;
using Bytez.Engine.Tasks;
using Bytez.Protocol;

namespace Bytez.Engine;

/// <summary>
/// The precision variant of a model chosen per request: <c>params.dtype</c> with the transformers.js names (<c>fp32</c>,
/// <c>fp16</c>, <c>q8</c>/<c>quantized</c>, <c>int8</c>, <c>uint8</c>, <c>q4</c>, <c>q4f16</c>, <c>bnb4</c>) picks one of the
/// weight files an ONNX decoder folder holds (<c>onnx/model.onnx</c>, <c>model_fp16.onnx</c>, <c>model_quantized.onnx</c>,
/// <c>model_q4.onnx</c>, ...: <see cref="OnnxLayout"/>). A variant other than the one the catalog lists is its own
/// descriptor, id <c>org/name:q4</c>, so it gets its own instances, memory estimate (that file's size) and cluster.
/// </summary>
public static class ModelVariants
{
    /// <summary>The request parameter that names the variant.</summary>
    public const string Parameter = "dtype";

    /// <summary>What separates a model id from its variant in the id of a variant's descriptor (<c>org/name:q4</c>).</summary>
    public const char Separator = ':';

    /// <summary>The variant a request's <c>params</c> asks for, or <see langword="null"/> when it names none.</summary>
    /// <exception cref="EngineException"><c>dtype</c> is not a string (BadInput).</exception>
    public static string? Requested(JsonElement? parameters)
    {
        if (parameters is not { ValueKind: JsonValueKind.Object } p || !p.TryGetProperty(Parameter, out var value))
        {
            return null;
        }

        var name = Arguments.String(value, Parameter);
        return string.IsNullOrWhiteSpace(name) ? null : name.Trim();
    }

    /// <summary>
    /// The descriptor of <paramref name="model"/>'s <paramref name="variant"/>: the model itself when the catalog's files are
    /// that variant already, else a descriptor of the variant's file (id <c>org/name:variant</c>, the variant's
    /// <see cref="ModelDescriptor.WeightFiles"/> and size, the same runtime overhead on top).
    /// </summary>
    /// <exception cref="EngineException">
    /// The model is not an ONNX text-generation model with variants (BadInput); the name is not a variant name nor a
    /// suffix the folder has (BadInput, listing both); the folder lacks that variant (NotFound, listing what it has).
    /// </exception>
    public static ModelDescriptor Select(ModelDescriptor model, string variant)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(variant);
        variant = variant.Trim();
        if (model.Task is not (BytezTasks.TextGeneration or BytezTasks.Chat)
            || model.WeightFiles.Count == 0 || !model.WeightFiles[0].EndsWith(".onnx", StringComparison.Ordinal))
        {
            throw EngineException.BadInput(
                $"`{Parameter}` picks among the ONNX weight variants of a text-generation or chat model (onnx/model.onnx, model_fp16.onnx, model_quantized.onnx, model_q4.onnx, ...); "
                + $"{model.Id} is a {(model.Format ?? "single-file")} model{(model.Task is BytezTasks.TextGeneration or BytezTasks.Chat ? string.Empty : $" of the task {model.Task}")} without them. Leave `{Parameter}` out.");
        }

        var files = FilesOf(model.Path);
        var present = OnnxLayout.VariantsPresent(OnnxFamily.Decoder, files);
        var known = OnnxLayout.VariantSuffixes.ContainsKey(variant);
        if (!known && !present.Contains(variant, StringComparer.Ordinal))
        {
            throw EngineException.BadInput(
                $"Unknown `{Parameter}` '{Shown(variant)}': expected one of {string.Join(", ", OnnxLayout.FallbackVariants)} (the transformers.js names); {model.Id} has: {List(present)}.");
        }

        var set = OnnxLayout.FindWeights(OnnxFamily.Decoder, variant, files.Contains)
            ?? throw EngineException.NotFound(
                $"{model.Id} has no {variant} weights (onnx/model{OnnxLayout.SuffixOf(variant)}.onnx); it has: {List(present)}. Ask for one of them with `{Parameter}`, or leave it out for {DefaultOf(model)}.");
        if (set.SequenceEqual(model.WeightFiles, StringComparer.Ordinal))
        {
            return model;
        }

        var bytes = set.Sum(file => FileBytes(Path.Combine(model.Path, file.Replace('/', Path.DirectorySeparatorChar))));
        var overhead = Math.Max(0, model.EstimatedRamBytes - model.WeightBytes);
        var name = NameOf(set[0]);
        return model with
        {
            Id = model.Id + Separator + name,
            Variant = name,
            WeightFiles = set,
            WeightBytes = bytes,
            EstimatedRamBytes = bytes + overhead,
        };
    }

    /// <summary>The variant name of a weight file: <c>fp32</c> without a suffix, <c>q8</c> for <c>_quantized</c>, else the suffix.</summary>
    private static string NameOf(string relative)
    {
        var stem = Path.GetFileNameWithoutExtension(relative);
        foreach (var name in OnnxLayout.DecoderNames.OrderByDescending(n => n.Length))
        {
            if (stem == name)
            {
                return "fp32";
            }

            if (stem.StartsWith(name + "_", StringComparison.Ordinal))
            {
                var suffix = stem[name.Length..];
                return OnnxLayout.VariantSuffixes.FirstOrDefault(v => v.Value == suffix && v.Key != "quantized").Key ?? suffix[1..];
            }
        }

        return stem;
    }

    private static string DefaultOf(ModelDescriptor model) => model.WeightFiles.Count > 0 ? $"{NameOf(model.WeightFiles[0])} ({model.WeightFiles[0]})" : "the default";

    private static string List(IReadOnlyList<string> names) => names.Count == 0 ? "none" : string.Join(", ", names);

    private static string Shown(string text) => text.Length <= 40 ? text : text[..40] + "…";

    /// <summary>The ONNX files of a model folder (<c>onnx/</c> and the root) as relative paths with <c>/</c>.</summary>
    private static HashSet<string> FilesOf(string folder)
    {
        var files = new HashSet<string>(StringComparer.Ordinal);
        foreach (var sub in OnnxLayout.Folders)
        {
            var dir = sub.Length == 0 ? folder : Path.Combine(folder, sub.TrimEnd('/'));
            if (!Directory.Exists(dir))
            {
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(dir, "*.onnx"))
            {
                files.Add(sub + Path.GetFileName(file));
            }
        }

        return files;
    }

    /// <summary>An ONNX file's size with its external data files (<c>model.onnx_data</c>, ...).</summary>
    private static long FileBytes(string onnxFile)
    {
        var bytes = new FileInfo(onnxFile).Length;
        var directory = Path.GetDirectoryName(onnxFile)!;
        foreach (var data in Directory.EnumerateFiles(directory, Path.GetFileName(onnxFile) + "*"))
        {
            if (OnnxLayout.IsExternalDataOf(data, onnxFile))
            {
                bytes += new FileInfo(data).Length;
            }
        }

        return bytes;
    }
}
