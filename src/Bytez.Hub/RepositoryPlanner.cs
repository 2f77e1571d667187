using System.Text.RegularExpressions;
using Bytez.Hub.Planning;

namespace Bytez.Hub;

/// <summary>
/// Decides, from a repository's metadata alone, whether this server can run it and which files to fetch: the task
/// from the pipeline tag, the format (ONNX in the Optimum layout, or GGUF), the weight variant or quantization the
/// options ask for, and the tokenizer and configuration files the engine reads. Checks the size caps.
/// </summary>
public static partial class RepositoryPlanner
{
    private const string OnnxVariantOption = "Bytez:Hub:OnnxVariant";
    private const string GgufQuantizationOption = "Bytez:Hub:GgufQuantization";
    private const string MaxFileBytesOption = "Bytez:Hub:MaxFileBytes";
    private const string MaxModelBytesOption = "Bytez:Hub:MaxModelBytes";

    /// <summary>The plan for a repository.</summary>
    /// <param name="repository">The repository's metadata.</param>
    /// <param name="options">The variant, quantization and size caps.</param>
    /// <param name="supported">What the engine runs.</param>
    /// <param name="task">
    /// The task to serve the files under; <see langword="null"/> (default) takes it from the repository. A conversion is
    /// planned under the task of the repository the user asked for.
    /// </param>
    /// <exception cref="HubException">Unsupported (the message says what is supported) or too large.</exception>
    public static DownloadPlan Plan(HubRepository repository, HubOptions options, SupportedModels supported, string? task = null)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(supported);

        var files = new Dictionary<string, HubFile>(StringComparer.Ordinal);
        foreach (var file in repository.Files)
        {
            files.TryAdd(file.Path, file);
        }

        task ??= TaskOf(repository, supported);
        var selection = supported.Layout.FamilyOf(task, EncoderDecoderEvidence(repository, files, supported.Layout) is not null) switch
        {
            WeightFamily.Decoder => PlanDecoder(repository, files, options, supported, task),
            WeightFamily.Seq2Seq => PlanSeq2Seq(repository, files, options, supported, task),
            _ => PlanEncoder(repository, files, options, supported, task),
        };

        var chosen = selection.Format == ModelFormats.Onnx
            ? SupportFiles(files, supported.Layout).Concat(selection.Weights).ToList()
            : selection.Weights.ToList();

        foreach (var file in chosen)
        {
            if (!HubCache.IsSafeRepoPath(file.Path))
            {
                throw new HubException(
                    HubErrorKind.Invalid,
                    $"The repository {repository.Id} lists a file with an unsafe path, '{PlanText.Printable(file.Path)}' (rooted, '..', '\\', ':' or control characters); it is not downloaded.");
            }

            if (file.Size < 0)
            {
                throw new HubException(HubErrorKind.Invalid, $"The hub states a negative size for {file.Path} of {repository.Id}.");
            }
        }

        CheckCaps(repository, chosen, options);
        return new DownloadPlan
        {
            ModelId = repository.Id,
            Commit = repository.Commit,
            Task = task,
            Format = selection.Format,
            Files = chosen,
            ModelPath = selection.ModelPath,
        };
    }

    /// <summary>
    /// Whether the repository holds no weights in a format this server runs (no <c>.onnx</c> file, no GGUF model): only
    /// safetensors, PyTorch or other frameworks' weights, so only a converted repository can serve it.
    /// </summary>
    public static bool NeedsConversion(HubRepository repository)
    {
        ArgumentNullException.ThrowIfNull(repository);
        return !repository.Files.Any(f => f.Path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) || GgufSelector.IsModelFile(f.Path));
    }

    /// <summary>The weight formats a repository has, for messages (<c>safetensors, pytorch .bin</c>).</summary>
    public static string DescribeWeights(HubRepository repository)
    {
        ArgumentNullException.ThrowIfNull(repository);
        return DescribeWeights(repository.Files.Select(f => f.Path).ToHashSet(StringComparer.Ordinal));
    }

    /// <summary>The task a repository is served under: its pipeline tag, else what its library or files imply.</summary>
    /// <exception cref="HubException">The task is unknown or not one the engine serves.</exception>
    public static string TaskOf(HubRepository repository, SupportedModels supported)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(supported);
        var supportedList = PlanText.List(supported.Tasks.Order(StringComparer.Ordinal));
        var task = repository.PipelineTag;
        if (string.IsNullOrWhiteSpace(task))
        {
            if (repository.Files.Any(f => GgufSelector.IsModelFile(f.Path)))
            {
                task = "text-generation";
            }
            else if (string.Equals(repository.LibraryName, "sentence-transformers", StringComparison.OrdinalIgnoreCase))
            {
                task = "feature-extraction";
            }
            else
            {
                throw new HubException(
                    HubErrorKind.Unsupported,
                    $"The repository {repository.Id} has no pipeline tag, so its task is unknown (this server serves: {supportedList}). "
                    + "A repository tagged with one of these tasks, a GGUF repository, or a sentence-transformers repository can be requested.");
            }
        }

        if (!supported.Tasks.Contains(task) && Planning.NotOnCpuTasks.ReasonFor(task) is { } reason)
        {
            throw new HubException(
                HubErrorKind.Unsupported,
                $"The repository {repository.Id} is for the task '{task}', which this server does not run by design: {reason}. "
                + $"It serves: {supportedList}.");
        }

        if (!supported.Tasks.Contains(task))
        {
            throw new HubException(
                HubErrorKind.Unsupported,
                $"The repository {repository.Id} is for the task '{task}', which this server does not serve (supported: {supportedList}).");
        }

        return task;
    }

    private static Selection PlanEncoder(
        HubRepository repository, Dictionary<string, HubFile> files, HubOptions options, SupportedModels supported, string task)
    {
        if (!supported.Formats.Contains(ModelFormats.Onnx) || supported.Layout.VariantsPresent(WeightFamily.Encoder, files.Keys).Count == 0)
        {
            throw NoUsableFormat(repository, files, supported, task, decoder: false);
        }

        var (weights, failure) = FindOnnx(repository, files, options, supported.Layout, WeightFamily.Encoder, "encoder");
        if (weights is null)
        {
            throw failure!;
        }

        foreach (var group in supported.Layout.RequiredEncoderFiles(task))
        {
            if (!group.Any(files.ContainsKey))
            {
                var also = group.Count > 1 ? $" (nor {string.Join(" nor ", group.Skip(1))})" : string.Empty;
                var needs = string.Join(", ", supported.Layout.RequiredEncoderFiles(task).Select(g => string.Join(" or ", g)));
                throw new HubException(
                    HubErrorKind.Unsupported,
                    $"The repository {repository.Id} has ONNX weights ({weights[0].Path}) but no {group[0]}{also}; this server needs it to run a {task} model "
                    + $"(besides the weights: {needs}).");
            }
        }

        return new Selection(ModelFormats.Onnx, WithExternalData(files, weights, supported.Layout), string.Empty);
    }

    private static Selection PlanSeq2Seq(
        HubRepository repository, Dictionary<string, HubFile> files, HubOptions options, SupportedModels supported, string task)
    {
        if (!supported.Formats.Contains(ModelFormats.Onnx) || supported.Layout.VariantsPresent(WeightFamily.Seq2Seq, files.Keys).Count == 0)
        {
            throw NoUsableFormat(repository, files, supported, task, decoder: false);
        }

        var (weights, failure) = FindOnnx(repository, files, options, supported.Layout, WeightFamily.Seq2Seq, "encoder-decoder");
        if (weights is null)
        {
            throw failure!;
        }

        if (!files.ContainsKey("config.json"))
        {
            throw new HubException(
                HubErrorKind.Unsupported,
                $"The repository {repository.Id} has ONNX encoder-decoder weights ({weights[0].Path}) but no config.json; this server reads the model's shape from it.");
        }

        return new Selection(ModelFormats.Onnx, WithExternalData(files, weights, supported.Layout), string.Empty);
    }

    /// <summary>The first weight set of a family the repository has, in the configured variant (or full precision, then the fallbacks).</summary>
    private static (IReadOnlyList<HubFile>? Weights, HubException? Failure) FindOnnx(
        HubRepository repository, Dictionary<string, HubFile> files, HubOptions options, IModelLayout layout, WeightFamily family, string kind)
    {
        var variant = string.IsNullOrWhiteSpace(options.OnnxVariant) ? null : options.OnnxVariant.Trim();
        var set = layout.WeightSets(family, variant).FirstOrDefault(s => s.All(files.ContainsKey));
        if (set is not null)
        {
            return (set.Select(path => files[path]).ToList(), null);
        }

        var available = PlanText.List(layout.VariantsPresent(family, files.Keys));
        return (null, new HubException(
            HubErrorKind.Unsupported,
            variant is null
                ? $"The repository {repository.Id} has ONNX {kind} weights only in variants this server does not know ({available}); set {OnnxVariantOption} to one of them."
                : $"The repository {repository.Id} has no ONNX {kind} weights for the variant '{variant}' ({OnnxVariantOption}); it has: {available}. "
                  + $"Set {OnnxVariantOption} to one of them, or leave it unset for full precision."));
    }

    private static Selection PlanDecoder(
        HubRepository repository, Dictionary<string, HubFile> files, HubOptions options, SupportedModels supported, string task)
    {
        var encoderDecoder = EncoderDecoderEvidence(repository, files, supported.Layout);
        if (encoderDecoder is not null)
        {
            throw new HubException(
                HubErrorKind.Unsupported,
                $"The repository {repository.Id} is an encoder-decoder model ({encoderDecoder}); encoder-decoder models are not supported yet. "
                + "This server runs decoder-only language models for text-generation.");
        }

        var onnxSupported = supported.Formats.Contains(ModelFormats.Onnx);
        var ggufSupported = supported.Formats.Contains(ModelFormats.Gguf);
        var ggufModels = GgufSelector.Models(files.Values);
        var hasOnnxDecoder = supported.Layout.VariantsPresent(WeightFamily.Decoder, files.Keys).Count > 0;

        HubException? onnxFailure = null;
        if (onnxSupported && hasOnnxDecoder)
        {
            var (selection, failure) = TryOnnxDecoder(repository, files, options, supported.Layout);
            if (selection is not null)
            {
                return selection;
            }

            onnxFailure = failure;
        }

        if (ggufSupported && ggufModels.Count > 0)
        {
            return PlanGguf(repository, ggufModels, options);
        }

        throw onnxFailure ?? NoUsableFormat(repository, files, supported, task, decoder: true);
    }

    private static (Selection? Selection, HubException? Failure) TryOnnxDecoder(
        HubRepository repository, Dictionary<string, HubFile> files, HubOptions options, IModelLayout layout)
    {
        var (found, failure) = FindOnnx(repository, files, options, layout, WeightFamily.Decoder, "decoder");
        if (found is null)
        {
            return (null, failure);
        }

        var weights = found[0];
        var fileName = weights.Path[(weights.Path.LastIndexOf('/') + 1)..];
        if (repository.Architectures.Count > 0
            && !repository.Architectures.Any(IsCausalLanguageModel)
            && !fileName.StartsWith("decoder_", StringComparison.Ordinal))
        {
            return (null, new HubException(
                HubErrorKind.Unsupported,
                $"The repository {repository.Id} is a {string.Join(", ", repository.Architectures)}, not a causal language model (…ForCausalLM or …LMHeadModel); "
                + "the ONNX runtime of this server runs decoder-only language models for text-generation."));
        }

        if (!files.ContainsKey("config.json"))
        {
            return (null, new HubException(
                HubErrorKind.Unsupported,
                $"The repository {repository.Id} has ONNX decoder weights ({weights.Path}) but no config.json; this server reads the model's shape from it."));
        }

        if (!files.ContainsKey("tokenizer.json"))
        {
            return (null, new HubException(
                HubErrorKind.Unsupported,
                $"The repository {repository.Id} has ONNX decoder weights ({weights.Path}) but no tokenizer.json; this server needs the Hugging Face tokenizer.json to run a language model."));
        }

        return (new Selection(ModelFormats.Onnx, WithExternalData(files, found, layout), string.Empty), null);
    }

    private static Selection PlanGguf(HubRepository repository, IReadOnlyList<GgufModel> models, HubOptions options)
    {
        var quantization = options.GgufQuantization?.Trim();
        var matching = string.IsNullOrEmpty(quantization) ? [] : models.Where(m => GgufSelector.Matches(m, quantization)).ToList();
        GgufModel chosen;
        if (matching.Count > 0)
        {
            chosen = matching[0];
        }
        else if (models.Count == 1)
        {
            chosen = models[0];
        }
        else
        {
            var available = PlanText.List(models.Select(GgufSelector.QuantizationOf).Distinct(StringComparer.OrdinalIgnoreCase));
            throw new HubException(
                HubErrorKind.Unsupported,
                $"The repository {repository.Id} has several GGUF files and none for the quantization '{quantization}' ({GgufQuantizationOption}); "
                + $"it has: {available}. Set {GgufQuantizationOption} to one of them.");
        }

        if (!chosen.IsComplete)
        {
            throw new HubException(
                HubErrorKind.Unsupported,
                $"The repository {repository.Id} has an incomplete split GGUF model ({chosen.First.Path}: {chosen.Parts.Count} of {chosen.SplitTotal} parts).");
        }

        return new Selection(ModelFormats.Gguf, chosen.Parts, chosen.First.Path);
    }

    /// <summary>The ONNX files, each followed by its external data (<c>&lt;file&gt;_data</c>, <c>&lt;file&gt;_data_1</c>, ..., <c>&lt;file&gt;.data</c>) in the same folder.</summary>
    private static IReadOnlyList<HubFile> WithExternalData(Dictionary<string, HubFile> files, IReadOnlyList<HubFile> onnxFiles, IModelLayout layout)
    {
        var all = new List<HubFile>();
        foreach (var onnx in onnxFiles)
        {
            all.Add(onnx);
            all.AddRange(files.Values
                .Where(f => layout.IsExternalDataOf(f.Path, onnx.Path))
                .OrderBy(f => f.Path.Length)
                .ThenBy(f => f.Path, StringComparer.Ordinal));
        }

        return all;
    }

    /// <summary>The configuration and tokenizer files present, in the layout's order, then module configs (<c>1_Pooling/config.json</c>).</summary>
    private static IEnumerable<HubFile> SupportFiles(Dictionary<string, HubFile> files, IModelLayout layout)
    {
        foreach (var name in layout.SupportFiles)
        {
            if (files.TryGetValue(name, out var file))
            {
                yield return file;
            }
        }

        var listed = layout.SupportFiles.ToHashSet(StringComparer.Ordinal);
        foreach (var file in files.Values.Where(f => !listed.Contains(f.Path) && layout.IsSupportFile(f.Path)).OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            yield return file;
        }
    }

    /// <summary>Whether an architecture names a causal language model (<c>…ForCausalLM</c>, <c>…LMHeadModel</c>), as transformers names them.</summary>
    private static bool IsCausalLanguageModel(string architecture) =>
        architecture.EndsWith("ForCausalLM", StringComparison.Ordinal) || architecture.EndsWith("LMHeadModel", StringComparison.Ordinal);

    /// <summary>What makes the repository an encoder-decoder model, or <see langword="null"/> when nothing does.</summary>
    private static string? EncoderDecoderEvidence(HubRepository repository, Dictionary<string, HubFile> files, IModelLayout layout)
    {
        if (repository.ModelType is { } type && layout.IsEncoderDecoderModelType(type))
        {
            return $"model_type '{type}'";
        }

        if (repository.GgufArchitecture is { } arch && layout.IsEncoderDecoderModelType(arch))
        {
            return $"GGUF architecture '{arch}'";
        }

        var encoder = files.Keys.FirstOrDefault(p => EncoderModelFile().IsMatch(p));
        return encoder is null ? null : $"it has {encoder}";
    }

    private static HubException NoUsableFormat(
        HubRepository repository, Dictionary<string, HubFile> files, SupportedModels supported, string task, bool decoder)
    {
        var needs = new List<string>();
        if (supported.Formats.Contains(ModelFormats.Onnx))
        {
            needs.Add(decoder ? "ONNX in the Hugging Face/Optimum layout (onnx/model.onnx)" : "ONNX in the Hugging Face/Optimum layout (onnx/model.onnx or model.onnx)");
        }

        if (decoder && supported.Formats.Contains(ModelFormats.Gguf))
        {
            needs.Add("a GGUF file");
        }

        var need = needs.Count == 0
            ? $"this server has no runtime installed that serves {task} (installed formats: {PlanText.List(supported.Formats.Order(StringComparer.Ordinal))})"
            : "this server needs " + string.Join(" or ", needs);
        var converted = decoder ? "an onnx-community/ repository or a -GGUF repository" : "an onnx-community/ or Xenova/ repository";
        return new HubException(
            HubErrorKind.Unsupported,
            $"The repository {repository.Id} has no weights this server can run for {task}: it has {DescribeWeights(files.Keys.ToHashSet(StringComparer.Ordinal))}; {need}. "
            + $"A converted repository (for example {converted}) can be requested instead.");
    }

    /// <summary>The weight formats a repository has, for messages (<c>safetensors, pytorch .bin</c>).</summary>
    private static string DescribeWeights(IReadOnlySet<string> files)
    {
        var kinds = new List<string>();
        void Add(string kind, Func<string, bool> test)
        {
            if (files.Any(test))
            {
                kinds.Add(kind);
            }
        }

        Add("safetensors", p => p.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase));
        Add("pytorch .bin", p => p.EndsWith(".bin", StringComparison.OrdinalIgnoreCase) || p.EndsWith(".pt", StringComparison.OrdinalIgnoreCase) || p.EndsWith(".pth", StringComparison.OrdinalIgnoreCase));
        Add("ONNX in another layout", p => p.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase));
        Add("GGUF", GgufSelector.IsModelFile);
        Add("TensorFlow .h5", p => p.EndsWith(".h5", StringComparison.OrdinalIgnoreCase));
        Add("Flax .msgpack", p => p.EndsWith(".msgpack", StringComparison.OrdinalIgnoreCase));
        Add("OpenVINO", p => p.EndsWith(".xml", StringComparison.OrdinalIgnoreCase) && p.Contains("openvino", StringComparison.OrdinalIgnoreCase));
        Add("Core ML", p => p.Contains(".mlpackage/", StringComparison.OrdinalIgnoreCase) || p.EndsWith(".mlmodel", StringComparison.OrdinalIgnoreCase));
        return kinds.Count == 0 ? "no weight files" : string.Join(", ", kinds);
    }

    private static void CheckCaps(HubRepository repository, IReadOnlyList<HubFile> chosen, HubOptions options)
    {
        foreach (var file in chosen)
        {
            if (file.Size > options.MaxFileBytes)
            {
                throw new HubException(
                    HubErrorKind.TooLarge,
                    $"The file {file.Path} of {repository.Id} is {PlanText.SizeWithBytes(file.Size)}, more than the {PlanText.SizeWithBytes(options.MaxFileBytes)} "
                    + $"a single file may be ({MaxFileBytesOption}).");
            }
        }

        var total = chosen.Sum(f => f.Size);
        if (total > options.MaxModelBytes)
        {
            throw new HubException(
                HubErrorKind.TooLarge,
                $"The model {repository.Id} needs {PlanText.SizeWithBytes(total)} in {chosen.Count} files, more than the {PlanText.SizeWithBytes(options.MaxModelBytes)} "
                + $"one model may download ({MaxModelBytesOption}).");
        }
    }

    /// <summary>The chosen weights: format, files and the path the engine loads.</summary>
    private sealed record Selection(string Format, IReadOnlyList<HubFile> Weights, string ModelPath);

    [GeneratedRegex(@"^(onnx/)?encoder_model[^/]*\.onnx$", RegexOptions.CultureInvariant)]
    private static partial Regex EncoderModelFile();
}
