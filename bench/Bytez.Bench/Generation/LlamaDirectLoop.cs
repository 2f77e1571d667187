using System.Diagnostics;
using LLama;
using LLama.Common;
using LLama.Native;

namespace Bytez.Bench.Generation;

/// <summary>
/// The llama.cpp anchor at the lowest level LLamaSharp offers: its own weights and one context (n_ctx, sequences,
/// n_batch = n_ubatch and threads given, the rest llama.cpp's defaults), a <see cref="LLamaBatch"/> of the whole prompt decoded in one call (logits for the last
/// token only), then one-token decodes with an argmax over the logits (end-of-generation tokens skipped). The key/value
/// cache is cleared between runs; no sampler chain, no detokenizer.
/// </summary>
internal sealed class LlamaDirectLoop : IDisposable
{
    private readonly LLamaWeights _weights;
    private readonly SafeLLamaContextHandle _context;
    private readonly bool[] _banned; // end-of-generation ids, skipped by the argmax
    private readonly LLamaBatch _batch = new();

    /// <summary>
    /// Loads the weights and makes one context from llama.cpp's default context parameters (as the engine does), with
    /// <paramref name="sequences"/> sequences of <paramref name="contextSize"/> cells each (<c>kv_unified</c> off, as the
    /// engine); <see cref="Run"/> uses sequence 0, <see cref="RunBatched"/> the first K.
    /// </summary>
    public LlamaDirectLoop(string ggufPath, uint contextSize, uint batchSize, int threads, uint sequences = 1)
    {
        var clock = Stopwatch.StartNew();
        var parameters = new ModelParams(ggufPath) { GpuLayerCount = 0 };
        _weights = LLamaWeights.LoadFromFile(parameters);
        WeightsLoadMs = clock.Elapsed.TotalMilliseconds;
        var p = LLamaContextParams.Default();
        p.n_ctx = contextSize * sequences;
        p.n_seq_max = sequences;
        p.n_batch = batchSize;
        p.n_ubatch = batchSize;
        p.n_threads = threads;
        p.n_threads_batch = threads;
        p.kv_unified = false;
        p.no_perf = true;
        p.embeddings = false;
        clock.Restart();
        _context = SafeLLamaContextHandle.Create(_weights.NativeHandle, p);
        ContextMs = clock.Elapsed.TotalMilliseconds;
        var vocab = _weights.Vocab;
        _banned = Enumerable.Range(0, vocab.Count).Select(i => ((LLamaToken)i).IsEndOfGeneration(vocab)).ToArray();
    }

    /// <summary>Time of <c>llama_model_load</c> (memory-mapped, LLamaSharp's default) in the constructor, ms.</summary>
    public double WeightsLoadMs { get; }

    /// <summary>Time of the context's creation (its key/value cache allocated) in the constructor, ms.</summary>
    public double ContextMs { get; }

    /// <summary>Reads <paramref name="path"/> once, so that the loads compared next all find it in the page cache.</summary>
    public static void WarmPageCache(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        var buffer = new byte[1 << 20];
        while (stream.Read(buffer, 0, buffer.Length) > 0)
        {
        }
    }

    /// <summary>llama.cpp's own tokenization of <paramref name="text"/> (no BOS).</summary>
    public int[] Tokenize(string text) => _weights.Tokenize(text, add_bos: false, special: false, System.Text.Encoding.UTF8).Select(t => (int)t).ToArray();

    /// <summary>The text of <paramref name="ids"/>, llama.cpp's detokenizer.</summary>
    public string Detokenize(IEnumerable<int> ids)
    {
        var decoder = new StreamingTokenDecoder(System.Text.Encoding.UTF8, _weights);
        foreach (var id in ids)
        {
            decoder.Add((LLamaToken)id);
        }

        return decoder.Read();
    }

    /// <summary>Prefills <paramref name="prompt"/>, then generates <paramref name="newTokens"/> tokens greedily.</summary>
    public PrefillDecodeRun Run(IReadOnlyList<int> prompt, int newTokens)
    {
        _context.MemoryClear(true);
        var start = Stopwatch.GetTimestamp();
        _batch.Clear();
        for (int i = 0; i < prompt.Count; i++)
        {
            _batch.Add((LLamaToken)prompt[i], i, LLamaSeqId.Zero, i == prompt.Count - 1);
        }

        Check(_context.Decode(_batch));
        var ids = new List<int>(newTokens) { Argmax(_batch.TokenCount - 1) };
        var prefilled = Stopwatch.GetTimestamp();
        for (int pos = prompt.Count; ids.Count < newTokens; pos++)
        {
            _batch.Clear();
            _batch.Add((LLamaToken)ids[^1], pos, LLamaSeqId.Zero, true);
            Check(_context.Decode(_batch));
            ids.Add(Argmax(0));
        }

        return new PrefillDecodeRun(prompt.Count, Harness.Milliseconds(start, prefilled), Harness.Milliseconds(prefilled, Stopwatch.GetTimestamp()), ids);
    }

    /// <summary>
    /// <paramref name="streams"/> sequences (at most the context's <c>n_seq_max</c>) decoded together as llama.cpp batches
    /// them: each sequence's <paramref name="prompt"/> prefilled, then one batch of one token per sequence per step,
    /// greedy, <paramref name="newTokens"/> tokens each. Returns the tokens generated (all sequences).
    /// </summary>
    public int RunBatched(IReadOnlyList<int> prompt, int newTokens, int streams)
    {
        _context.MemoryClear(true);
        var last = new int[streams];
        for (int s = 0; s < streams; s++)
        {
            _batch.Clear();
            for (int i = 0; i < prompt.Count; i++)
            {
                _batch.Add((LLamaToken)prompt[i], i, (LLamaSeqId)s, i == prompt.Count - 1);
            }

            Check(_context.Decode(_batch));
            last[s] = Argmax(_batch.TokenCount - 1);
        }

        for (int pos = prompt.Count; pos < prompt.Count + newTokens - 1; pos++)
        {
            _batch.Clear();
            for (int s = 0; s < streams; s++)
            {
                _batch.Add((LLamaToken)last[s], pos, (LLamaSeqId)s, true);
            }

            Check(_context.Decode(_batch));
            for (int s = 0; s < streams; s++)
            {
                last[s] = Argmax(s);
            }
        }

        return streams * newTokens;
    }

    public void Dispose()
    {
        _context.Dispose();
        _weights.Dispose();
    }

    private int Argmax(int index)
    {
        var logits = _context.GetLogitsIth(index);
        int best = -1;
        for (int i = 0; i < logits.Length; i++)
        {
            if (!_banned[i] && (best < 0 || logits[i] > logits[best]))
            {
                best = i;
            }
        }

        return best;
    }

    private static void Check(DecodeResult result)
    {
        if (result != DecodeResult.Ok)
        {
            throw new InvalidOperationException($"llama_decode returned {result}.");
        }
    }
}

/// <summary>One prefill-then-decode run: the prompt's time (its first token chosen) and the time of the tokens after it.</summary>
internal sealed record PrefillDecodeRun(int PromptTokens, double PrefillMs, double DecodeMs, IReadOnlyList<int> Ids)
{
    /// <summary>Prompt tokens per second (the first generated token's argmax included).</summary>
    public double PrefillTokensPerSecond => PromptTokens * 1000.0 / PrefillMs;

    /// <summary>Generated tokens after the first, per second.</summary>
    public double DecodeTokensPerSecond => Ids.Count > 1 ? (Ids.Count - 1) * 1000.0 / DecodeMs : double.NaN;
}
