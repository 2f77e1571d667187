using Bytez.Testing.TinyModels;

namespace Bytez.Engine.LlamaCpp.Tests;

public sealed class LoadFailureTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "bytez-gguf-bad-" + Guid.NewGuid().ToString("N"));
    private readonly LlamaCppRuntime _runtime = new(new LlamaCppOptions { Threads = 1 });

    public LoadFailureTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task LoadAsync_NotGguf_ThrowsBadInputNamingTheFile()
    {
        string path = Path.Combine(_folder, "fake.gguf");
        await File.WriteAllTextAsync(path, "definitely not a model", TestContext.Current.CancellationToken);
        var e = await Assert.ThrowsAsync<EngineException>(async () =>
            await _runtime.LoadAsync(TinyLlamaFixture.Descriptor(path), TestContext.Current.CancellationToken));
        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains("fake.gguf", e.Message, StringComparison.Ordinal);
        Assert.Contains("not a valid GGUF file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_MissingTensor_ThrowsWithLlamaCppReason()
    {
        string path = Path.Combine(_folder, "no-tensors.gguf");
        var written = GgufModelWriter.WriteTinyLlama(Path.Combine(_folder, "good.gguf"));
        // The same metadata, but only the first tensor: llama.cpp reads the header and then misses tensors.
        var header = Bytez.Engine.LlamaCpp.Gguf.GgufFile.ReadHeader(written.Path);
        var writer = new GgufWriter();
        foreach (var (key, value) in header.Metadata)
        {
            switch (value)
            {
                case string s: writer.Add(key, s); break;
                case uint u: writer.Add(key, u); break;
                case int i: writer.Add(key, i); break;
                case float f: writer.Add(key, f); break;
                case bool b: writer.Add(key, b); break;
                case string[] ss: writer.Add(key, ss); break;
                case float[] fs: writer.Add(key, fs); break;
                case int[] ints: writer.Add(key, ints); break;
            }
        }

        var first = header.Tensors[0];
        writer.AddTensor(first.Name, [.. first.Dimensions], new float[first.ElementCount]);
        writer.Write(path);

        var e = await Assert.ThrowsAsync<EngineException>(async () =>
            await _runtime.LoadAsync(TinyLlamaFixture.Descriptor(path), TestContext.Current.CancellationToken));
        Assert.Contains("llama.cpp could not load", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("gave no reason", e.Message, StringComparison.Ordinal);
        Assert.Contains("tensor", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task LoadAsync_TruncatedTensorData_ThrowsWithLlamaCppReason()
    {
        var written = GgufModelWriter.WriteTinyLlama(Path.Combine(_folder, "good.gguf"));
        string path = Path.Combine(_folder, "cut.gguf");
        var bytes = await File.ReadAllBytesAsync(written.Path, TestContext.Current.CancellationToken);
        await File.WriteAllBytesAsync(path, bytes[..(bytes.Length / 2)], TestContext.Current.CancellationToken);
        var e = await Assert.ThrowsAsync<EngineException>(async () =>
            await _runtime.LoadAsync(TinyLlamaFixture.Descriptor(path), TestContext.Current.CancellationToken));
        Assert.Contains("llama.cpp could not load", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("gave no reason", e.Message, StringComparison.Ordinal);
    }
}
