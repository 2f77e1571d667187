using System.Text.Json;
using Bytez.Engine.Scheduling;
using Bytez.Protocol;

namespace Bytez.Engine.Tests.Scheduling;

/// <summary>The cluster settings file: what a save keeps, its mode, and a damaged file.</summary>
public sealed class JsonClusterStoreTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("bytez-clusters-").FullName;

    private string FilePath => Path.Combine(_folder, "state", "clusters.json");

    [Fact]
    public void Save_ThenLoad_RoundTripsEverySetting()
    {
        var store = new JsonClusterStore(FilePath);
        var settings = new ClusterSettings
        {
            ModelId = "org/model",
            Timeout = 7,
            Capacity = new ClusterCapacity { Min = 1, Desired = 2, Max = 3 },
            Config = JsonDocument.Parse("""{"x": 1}""").RootElement.Clone(),
            Off = true,
            Created = DateTimeOffset.UnixEpoch,
            Modified = DateTimeOffset.UnixEpoch.AddDays(1),
        };

        store.Save([settings]);
        var loaded = Assert.Single(new JsonClusterStore(FilePath).Load());

        Assert.Equal("org/model", loaded.ModelId);
        Assert.Equal(7, loaded.Timeout);
        Assert.Equal((1, 2, 3), (loaded.Capacity.Min, loaded.Capacity.Desired, loaded.Capacity.Max));
        Assert.Equal(1, loaded.Config!.Value.GetProperty("x").GetInt32());
        Assert.True(loaded.Off);
        Assert.Equal(settings.Modified, loaded.Modified);
        Assert.False(File.Exists(FilePath + ".tmp"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(FilePath));
        }
    }

    [Fact]
    public void Load_NoFile_IsEmpty() => Assert.Empty(new JsonClusterStore(FilePath).Load());

    [Fact]
    public void Load_DamagedFile_SaysWhichFileAndWhatToDo()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        File.WriteAllText(FilePath, "{not json");

        var error = Assert.Throws<InvalidDataException>(() => new JsonClusterStore(FilePath).Load());

        Assert.Contains(FilePath, error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
