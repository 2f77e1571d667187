using System.Text.Json;

namespace Bytez.Engine.Scheduling;

/// <summary>
/// Clusters in a JSON file (<c>state/clusters.json</c> under the data directory), like the engine's other state
/// files: rewritten whole into a temporary file that is flushed and then renamed over the old one, so a crash leaves
/// either the old set or the new one, never half of one.
/// </summary>
public sealed class JsonClusterStore : IClusterStore
{
    private readonly string _path;
    private readonly Lock _writeLock = new();

    /// <summary>Creates the store over a file (created at the first save).</summary>
    public JsonClusterStore(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _path = Path.GetFullPath(path);
    }

    /// <inheritdoc />
    /// <exception cref="InvalidDataException">The file exists but is not a list of clusters.</exception>
    public IReadOnlyList<ClusterSettings> Load()
    {
        if (!File.Exists(_path))
        {
            return [];
        }

        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(_path), EngineJsonContext.Default.ListClusterSettings) ?? [];
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{_path} is not a list of clusters ({e.Message}); fix or delete it.", e);
        }
    }

    /// <inheritdoc />
    public void Save(IReadOnlyList<ClusterSettings> clusters)
    {
        ArgumentNullException.ThrowIfNull(clusters);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(clusters.ToList(), EngineJsonContext.Default.ListClusterSettings);
        lock (_writeLock)
        {
            PrivateFiles.CreateDirectory(Path.GetDirectoryName(_path)!);
            var temp = _path + ".tmp";
            using (var stream = PrivateFiles.Create(temp))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, _path, overwrite: true);
        }
    }
}
