using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Bytez.Engine.Embedded;
using Bytez.Protocol;

namespace Bytez.Engine;

/// <summary>
/// The models directory: one folder per model id (<c>&lt;root&gt;/&lt;org&gt;/&lt;name&gt;/</c>). A folder holds the
/// model's files in the Hugging Face layout, or a <c>bytez-local.json</c> that points at files elsewhere on disk
/// (what <see cref="Add"/> writes, so that large local models are never copied). Scanned at start.
/// </summary>
public sealed partial class ModelStore
{
    /// <summary>The file that registers a model kept outside the models directory.</summary>
    public const string LocalManifestFileName = "bytez-local.json";

    private const string HubOrigin = "hub";

    private readonly IReadOnlyList<IModelFormat> _formats;

    /// <summary>Creates the store over a models directory and the formats this server can read.</summary>
    public ModelStore(string root, IEnumerable<IModelFormat> formats)
    {
        ArgumentNullException.ThrowIfNull(formats);
        Root = Path.GetFullPath(root);
        _formats = formats.ToList();
    }

    /// <summary>The models directory.</summary>
    public string Root { get; }

    /// <summary>Whether an id is a valid <c>org/name</c> model id (letters, digits, <c>.</c>, <c>_</c>, <c>-</c>).</summary>
    public static bool IsValidId(string? id) => ModelIds.IsValid(id);

    /// <summary>
    /// Every usable model folder. Each folder is described on its own: one whose files cannot be read, for whatever
    /// reason, is reported through <paramref name="failed"/> (id, folder, reason) and never stops the scan.
    /// </summary>
    public IReadOnlyList<ModelDescriptor> Scan(Action<ModelFailure>? failed = null)
    {
        var models = new List<ModelDescriptor>();
        if (!Directory.Exists(Root))
        {
            return models;
        }

        foreach (var orgDir in Directory.EnumerateDirectories(Root).Order(StringComparer.Ordinal))
        {
            foreach (var modelDir in Directory.EnumerateDirectories(orgDir).Order(StringComparer.Ordinal))
            {
                var id = $"{Path.GetFileName(orgDir)}/{Path.GetFileName(modelDir)}";
                if (!IsValidId(id) || Path.GetFileName(modelDir).StartsWith('.'))
                {
                    continue;
                }

                try
                {
                    if (Describe(id, modelDir) is { } model)
                    {
                        models.Add(model);
                    }
                    else
                    {
                        failed?.Invoke(new ModelFailure(id, modelDir, "no model files this server can read"));
                    }
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // A model folder is untrusted: whatever its files throw, the other models are still served.
                    failed?.Invoke(new ModelFailure(id, modelDir, Reason(e)));
                }
            }
        }

        return models;
    }

    /// <summary>Why describing a folder failed: the message of the failures the readers document, else the type too.</summary>
    private static string Reason(Exception e) => e is EngineException or IOException or InvalidDataException or JsonException or UnauthorizedAccessException
        ? e.Message
        : $"{e.GetType().Name}: {e.Message}";

    /// <summary>
    /// Registers a model from a local file or folder without copying it: writes a manifest under
    /// <c>&lt;root&gt;/&lt;id&gt;/</c> that points at <paramref name="sourcePath"/>.
    /// </summary>
    /// <param name="sourcePath">A GGUF file, or a folder in the Hugging Face layout.</param>
    /// <param name="id">The model id; default <c>local/&lt;file or folder name&gt;</c>.</param>
    /// <param name="task">The task, when the files do not say it.</param>
    /// <exception cref="EngineException">The id is invalid or the files are not a model this server can run.</exception>
    /// <param name="origin">Where the files came from: <see cref="ModelSource.Local"/> (the default) or <see cref="ModelSource.Hub"/>.</param>
    public ModelDescriptor Add(string sourcePath, string? id = null, string? task = null, ModelSource origin = ModelSource.Local)
    {
        ArgumentException.ThrowIfNullOrEmpty(sourcePath);
        var source = Path.GetFullPath(sourcePath);
        id ??= "local/" + Sanitize(Path.GetFileNameWithoutExtension(source.TrimEnd(Path.DirectorySeparatorChar)));
        var model = Inspect(source, id, task);
        var folder = Path.Combine(Root, id.Replace('/', Path.DirectorySeparatorChar));
        PrivateFiles.CreateDirectory(folder);
        var manifest = new LocalManifest
        {
            Id = id,
            Source = source,
            Task = model.Task,
            Origin = origin == ModelSource.Hub ? HubOrigin : null,
            Format = model.Format,
        };
        var temp = Path.Combine(folder, LocalManifestFileName + ".tmp");
        PrivateFiles.WriteAllText(temp, JsonSerializer.Serialize(manifest, ModelStoreJsonContext.Default.LocalManifest));
        File.Move(temp, Path.Combine(folder, LocalManifestFileName), overwrite: true);
        return model with { Source = origin };
    }

    /// <summary>
    /// Removes a model's folder from the models directory: its manifest (the files it points at elsewhere are left
    /// where they are), or the model files kept in the folder itself. Returns the bytes deleted (links and the
    /// manifest not counted), or <see langword="null"/> when the model has no folder here.
    /// </summary>
    /// <exception cref="EngineException">The id is invalid.</exception>
    public long? Remove(string id)
    {
        if (!IsValidId(id))
        {
            throw EngineException.BadInput($"'{id}' is not a model id: expected {ModelIds.Rule}.");
        }

        var folder = Path.Combine(Root, id.Replace('/', Path.DirectorySeparatorChar));
        if (!Directory.Exists(folder))
        {
            return null;
        }

        long bytes = 0;
        foreach (var file in new DirectoryInfo(folder).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            if (file.LinkTarget is null && file.Name != LocalManifestFileName)
            {
                bytes += file.Length;
            }
        }

        Directory.Delete(folder, recursive: true);
        var org = Path.GetDirectoryName(folder)!;
        if (Directory.Exists(org) && !Directory.EnumerateFileSystemEntries(org).Any())
        {
            Directory.Delete(org);
        }

        return bytes;
    }

    /// <summary>
    /// Describes the model at a file or folder under an id without registering it: what <see cref="Add"/> would add.
    /// </summary>
    /// <exception cref="EngineException">Nothing is there, the id is invalid, or the files are not a model this server can run.</exception>
    public ModelDescriptor Inspect(string sourcePath, string id, string? task = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(sourcePath);
        var source = Path.GetFullPath(sourcePath);
        if (!File.Exists(source) && !Directory.Exists(source))
        {
            throw EngineException.NotFound($"Nothing at {source}.");
        }

        if (!IsValidId(id))
        {
            throw EngineException.BadInput($"'{id}' is not a valid model id: use {ModelIds.Rule}.");
        }

        return DescribeFiles(id, source, task)
            ?? throw EngineException.NotSupported(
                $"{source} is not a model this server can read; it reads: {string.Join(", ", _formats.Select(f => f.Name))}.");
    }

    private ModelDescriptor? Describe(string id, string folder)
    {
        if (EmbeddedModels.TryReadDescriptor(folder) is { } embedded)
        {
            return embedded;
        }

        if (EmbeddedMediaModels.TryReadDescriptor(folder) is { } media)
        {
            // An embedded media model no pipeline serves yet is not listed, even when an earlier build installed it.
            return EmbeddedMediaModels.IsServed(media.Id) ? media : null;
        }

        var manifestPath = Path.Combine(folder, LocalManifestFileName);
        if (File.Exists(manifestPath))
        {
            var manifest = JsonSerializer.Deserialize(File.ReadAllText(manifestPath), ModelStoreJsonContext.Default.LocalManifest)
                ?? throw EngineException.BadInput($"{manifestPath} is empty.");
            if (!File.Exists(manifest.Source) && !Directory.Exists(manifest.Source))
            {
                throw EngineException.NotFound($"{id} points at {manifest.Source}, which no longer exists.");
            }

            var origin = manifest.Origin == HubOrigin ? ModelSource.Hub : ModelSource.Local;
            return DescribeFiles(id, manifest.Source, manifest.Task, manifest.Format) is { } pointed ? pointed with { Source = origin } : null;
        }

        return DescribeFiles(id, folder, task: null) is { } inPlace ? inPlace with { Source = ModelSource.Local } : null;
    }

    /// <summary>
    /// Describes files with the format recorded for them when there is one (not probing the others), else with the
    /// first format that recognises them; the descriptor names the format.
    /// </summary>
    private ModelDescriptor? DescribeFiles(string id, string path, string? task, string? recordedFormat = null)
    {
        if (recordedFormat is not null
            && _formats.FirstOrDefault(f => f.Name == recordedFormat) is { } recorded
            && recorded.TryDescribe(id, path, task) is { } known)
        {
            return known with { Format = recorded.Name };
        }

        foreach (var format in _formats)
        {
            if (format.TryDescribe(id, path, task) is { } model)
            {
                return model with { Format = format.Name };
            }
        }

        return null;
    }

    private static string Sanitize(string name) => InvalidIdCharacters().Replace(name, "-").Trim('-', '.') is { Length: > 0 } clean ? clean : "model";

    [GeneratedRegex("[^A-Za-z0-9._-]+")]
    private static partial Regex InvalidIdCharacters();

    /// <summary>The content of <c>bytez-local.json</c>.</summary>
    internal sealed class LocalManifest
    {
        [JsonPropertyName("id")]
        public required string Id { get; init; }

        [JsonPropertyName("source")]
        public required string Source { get; init; }

        [JsonPropertyName("task")]
        public string? Task { get; init; }

        [JsonPropertyName("origin")]
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public string? Origin { get; init; }

        /// <summary>The format that recognised the files when they were added; a scan asks it alone (older manifests lack it).</summary>
        [JsonPropertyName("format")]
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public string? Format { get; init; }
    }
}

/// <summary>Source-generated JSON metadata for the model store's manifest.</summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(ModelStore.LocalManifest))]
internal sealed partial class ModelStoreJsonContext : JsonSerializerContext;
