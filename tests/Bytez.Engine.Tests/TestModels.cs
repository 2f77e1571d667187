using Bytez.Engine.Embedded;
using Bytez.Engine.Onnx;

[assembly: AssemblyFixture(typeof(Bytez.Engine.Tests.LoadedModels))]

namespace Bytez.Engine.Tests;

/// <summary>The embedded models, extracted once per machine into a shared temp folder (safe under parallel classes).</summary>
internal static class TestModels
{
    private static readonly Lazy<IReadOnlyList<ModelDescriptor>> Descriptors = new(
        () => EmbeddedModels.EnsureExtracted(Root), LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Root => Path.Combine(Path.GetTempPath(), "bytez-test-models");

    public static ModelDescriptor MiniLM => Descriptors.Value.Single(d => d.Id == EmbeddedModels.MiniLM.Id);

    public static ModelDescriptor ArcticXs => Descriptors.Value.Single(d => d.Id == EmbeddedModels.ArcticXs.Id);

    private static readonly Lazy<string> RunFolder = new(CreateRunFolder, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// A fresh folder under this test run's temp folder, for tests that write. The run's folder is deleted when the
    /// test process exits (best effort; a folder of a run that crashed is left to the temp directory's own cleaning).
    /// </summary>
    public static string NewTempFolder(string name)
    {
        var folder = Path.Combine(RunFolder.Value, $"{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return folder;
    }

    private static string CreateRunFolder()
    {
        var run = Path.Combine(Path.GetTempPath(), "bytez-tests", $"run-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(run);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(run, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // best effort: a file still held open stays until the temp directory is cleaned
            }
        };
        return run;
    }

    /// <summary>
    /// A copy of a model folder with its small files copied and its ONNX file linked (not copied), so a test can
    /// change the configuration.
    /// </summary>
    public static string CloneModel(ModelDescriptor model, string name)
    {
        var target = NewTempFolder(name);
        foreach (var file in Directory.EnumerateFiles(model.Path, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(model.Path, file);
            var destination = Path.Combine(target, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            if (relative.EndsWith(".onnx", StringComparison.Ordinal))
            {
                File.CreateSymbolicLink(destination, file);
            }
            else
            {
                File.Copy(file, destination);
            }
        }

        Directory.CreateDirectory(Path.Combine(target, "2_Normalize"));
        return target;
    }
}

/// <summary>Both embedded models loaded once for the whole test assembly.</summary>
public sealed class LoadedModels : IDisposable
{
    public LoadedModels()
    {
        var runtime = new OnnxRuntime(new OnnxRuntimeOptions { Sessions = 2 });
        MiniLM = (OnnxEmbeddingInstance)runtime.LoadAsync(TestModels.MiniLM, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        ArcticXs = (OnnxEmbeddingInstance)runtime.LoadAsync(TestModels.ArcticXs, CancellationToken.None).AsTask().GetAwaiter().GetResult();
    }

    public OnnxEmbeddingInstance MiniLM { get; }

    public OnnxEmbeddingInstance ArcticXs { get; }

    public void Dispose()
    {
        MiniLM.Dispose();
        ArcticXs.Dispose();
    }
}
