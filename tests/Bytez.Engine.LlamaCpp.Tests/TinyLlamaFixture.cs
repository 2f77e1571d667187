using Bytez.Engine.Generation;
using Bytez.Protocol;
using Bytez.Testing.TinyModels;

namespace Bytez.Engine.LlamaCpp.Tests;

/// <summary>A tiny random-weight GGUF model written once per test class and loaded in llama.cpp.</summary>
public sealed class TinyLlamaFixture : IAsyncLifetime
{
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "bytez-llamacpp-" + Guid.NewGuid().ToString("N"));

    public GgufTinyModel Written { get; private set; } = null!;

    public LlamaCppRuntime Runtime { get; } = new(new LlamaCppOptions { Threads = 1, SequencesPerContext = 2 });

    public LlamaCppInstance Instance { get; private set; } = null!;

    public ITextTokenizer Tokenizer => Instance.Tokenizer;

    public static ModelDescriptor Descriptor(string path, string task = BytezTasks.TextGeneration) =>
        new() { Id = "test/tiny-llama", Task = task, Path = path, Source = ModelSource.Local };

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(Folder);
        Written = GgufModelWriter.WriteTinyLlama(Path.Combine(Folder, "model", "tiny.gguf"));
        Instance = (LlamaCppInstance)await Runtime.LoadAsync(Descriptor(Written.Path), TestContext.Current.CancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        Instance?.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>Greedy decoding straight over the sequence seam.</summary>
internal static class Greedy
{
    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best])
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>Feeds the prompt at once (or token by token) and picks <paramref name="count"/> argmax tokens.</summary>
    public static async Task<List<int>> RunAsync(IDecoderSequence sequence, int[] prompt, int count, bool tokenByToken = false)
    {
        var ct = TestContext.Current.CancellationToken;
        ReadOnlyMemory<float> logits = default;
        if (tokenByToken)
        {
            foreach (int t in prompt)
            {
                logits = await sequence.ForwardAsync(new[] { t }, ct);
            }
        }
        else
        {
            logits = await sequence.ForwardAsync(prompt, ct);
        }

        var output = new List<int>();
        for (int i = 0; i < count; i++)
        {
            int next = ArgMax(logits.Span);
            output.Add(next);
            if (i < count - 1)
            {
                logits = await sequence.ForwardAsync(new[] { next }, ct);
            }
        }

        return output;
    }
}
