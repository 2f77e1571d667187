using System.Collections.Concurrent;
using System.Text.Json;

namespace Bytez.Engine;

/// <summary>
/// The resident memory measured for each model when an instance of it was loaded on this server, kept in a small
/// JSON file so that the figure survives restarts.
/// </summary>
public sealed class ModelMemoryRecords
{
    private readonly string? _path;
    private readonly ConcurrentDictionary<string, long> _bytes = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _writeLock = new();

    /// <summary>Creates the records, reading earlier measurements from <paramref name="path"/> if it exists.</summary>
    /// <param name="path">The JSON file; <see langword="null"/> keeps the records in memory only.</param>
    public ModelMemoryRecords(string? path)
    {
        _path = path;
        if (path is null || !File.Exists(path))
        {
            return;
        }

        try
        {
            var stored = JsonSerializer.Deserialize(File.ReadAllText(path), EngineJsonContext.Default.DictionaryStringInt64);
            foreach (var (id, bytes) in stored ?? [])
            {
                _bytes[id] = bytes;
            }
        }
        catch (JsonException)
        {
            // A damaged file only costs the measurements; they are taken again at the next load.
        }
    }

    /// <summary>The measured bytes of an instance of the model, or <see langword="null"/> if none was loaded yet.</summary>
    public long? Get(string modelId) => _bytes.TryGetValue(modelId, out var bytes) ? bytes : null;

    /// <summary>Records a measurement and saves the file.</summary>
    public void Set(string modelId, long bytes)
    {
        _bytes[modelId] = bytes;
        if (_path is null)
        {
            return;
        }

        lock (_writeLock)
        {
            PrivateFiles.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_path))!);
            var snapshot = new Dictionary<string, long>(_bytes, StringComparer.Ordinal);
            var temp = _path + ".tmp";
            PrivateFiles.WriteAllText(temp, JsonSerializer.Serialize(snapshot, EngineJsonContext.Default.DictionaryStringInt64));
            File.Move(temp, _path, overwrite: true);
        }
    }
}
