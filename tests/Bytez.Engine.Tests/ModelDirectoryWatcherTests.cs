using Bytez.Engine.Metrics;
using Bytez.Engine.Scheduling;
using Microsoft.Extensions.Time.Testing;

namespace Bytez.Engine.Tests;

/// <summary>
/// How the catalog follows the models directory: real folders on disk and the real store, scanned on a clock the test
/// moves. The model format is a collaborator made for these tests: a folder with <c>model.txt</c> holding its task,
/// and an empty <c>model.txt</c> is a file still being copied (unreadable); like the real formats it records its weight
/// file in a new list at every scan.
/// </summary>
public sealed class ModelDirectoryWatcherTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("bytez-watcher-").FullName;
    private readonly FakeTimeProvider _time = new();
    private readonly EngineMetrics _metrics = new();
    private readonly ModelScheduler _scheduler;
    private readonly ModelCatalog _catalog = new();
    private readonly ModelStore _store;

    public ModelDirectoryWatcherTests()
    {
        _store = new ModelStore(_root, [new TextFormat()]);
        _scheduler = new ModelScheduler([], new ModelMemoryRecords(null), new SchedulerOptions { IdleSweepInterval = TimeSpan.Zero }, _metrics, _time);
    }

    [Fact]
    public void Rescan_FileEventsOff_FolderCopiedInIsAddedAtTheNextRescan()
    {
        using var watcher = Watcher(new ModelWatchOptions { Events = false, RescanInterval = TimeSpan.FromSeconds(30) });
        watcher.Start();

        Write("org/new-model", "feature-extraction");
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Null(_catalog.Find("org/new-model"));
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal("feature-extraction", _catalog.Find("org/new-model")?.Task);
    }

    [Fact]
    public void Refresh_HalfCopiedFolder_SkippedThenAddedOnceReadable()
    {
        using var watcher = Watcher();
        Write("org/copying", "");

        var first = watcher.Refresh();
        Write("org/copying", "chat");
        var second = watcher.Refresh();

        Assert.Empty(first.Added);
        Assert.Equal(["org/copying"], second.Added);
        Assert.Equal("chat", _catalog.Find("org/copying")?.Task);
    }

    [Fact]
    public void Refresh_FolderDeleted_RemovedFromCatalog()
    {
        using var watcher = Watcher();
        Write("org/gone", "chat");
        watcher.Refresh();

        Directory.Delete(Path.Combine(_root, "org", "gone"), recursive: true);
        var changes = watcher.Refresh();

        Assert.Equal(["org/gone"], changes.Removed);
        Assert.Null(_catalog.Find("org/gone"));
    }

    [Fact]
    public void Refresh_ServedFolderBeingRewritten_KeepsTheEntryUntilReadable()
    {
        using var watcher = Watcher();
        Write("org/rewritten", "chat");
        watcher.Refresh();

        Write("org/rewritten", "");
        var during = watcher.Refresh();
        Write("org/rewritten", "text-generation");
        var after = watcher.Refresh();

        Assert.Empty(during.Removed);
        Assert.Empty(during.Updated);
        Assert.Equal(["org/rewritten"], after.Updated);
        Assert.Equal("text-generation", _catalog.Find("org/rewritten")?.Task);
    }

    [Fact]
    public void Refresh_NothingChanged_ReportsNoChanges()
    {
        using var watcher = Watcher();
        Write("org/stable", "chat");
        watcher.Refresh();

        var changes = watcher.Refresh();

        Assert.Empty(changes.Added);
        Assert.Empty(changes.Updated);
        Assert.Empty(changes.Removed);
    }

    [Fact]
    public async Task Rescan_NothingChanged_LoadedInstanceStays()
    {
        using var scheduler = new ModelScheduler([new TextRuntime()], new ModelMemoryRecords(null), new SchedulerOptions { IdleSweepInterval = TimeSpan.Zero }, _metrics, _time);
        using var watcher = new ModelDirectoryWatcher(_store, _catalog, scheduler, new ModelWatchOptions { Events = false, RescanInterval = TimeSpan.Zero }, _time);
        Write("org/served", "chat");
        watcher.Refresh();
        using (await scheduler.AcquireAsync(_catalog.Find("org/served")!, TestContext.Current.CancellationToken))
        {
        }

        var changes = watcher.Refresh();

        Assert.Empty(changes.Updated);
        Assert.Equal(1, scheduler.Get("org/served")?.Instances);
    }

    public void Dispose()
    {
        _scheduler.Dispose();
        _metrics.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    private ModelDirectoryWatcher Watcher(ModelWatchOptions? options = null) =>
        new(_store, _catalog, _scheduler, options ?? new ModelWatchOptions { Events = false, RescanInterval = TimeSpan.Zero }, _time);

    private void Write(string id, string task)
    {
        var folder = Path.Combine(_root, id.Replace('/', Path.DirectorySeparatorChar));
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "model.txt"), task);
    }

    /// <summary>Loads any model of this format as an instance that holds nothing.</summary>
    private sealed class TextRuntime : IModelRuntime
    {
        public string Name => "text";

        public bool CanLoad(ModelDescriptor model) => true;

        public ValueTask<IModelInstance> LoadAsync(ModelDescriptor model, CancellationToken cancellationToken) => ValueTask.FromResult<IModelInstance>(new Instance(model));

        private sealed class Instance(ModelDescriptor model) : IModelInstance
        {
            public ModelDescriptor Model => model;

            public void Dispose()
            {
            }
        }
    }

    private sealed class TextFormat : IModelFormat
    {
        public string Name => "text";

        public ModelDescriptor? TryDescribe(string id, string path, string? task)
        {
            var file = Path.Combine(path, "model.txt");
            if (!File.Exists(file))
            {
                return null;
            }

            var content = File.ReadAllText(file).Trim();
            return content.Length == 0
                ? throw EngineException.BadInput($"{file} is empty.")
                : new ModelDescriptor { Id = id, Task = task ?? content, Path = path, WeightFiles = ["model.txt"] };
        }
    }
}
