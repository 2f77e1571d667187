using System.Text;
using LLama;
using LLama.Common;
using LLama.Native;
using LLama.Sampling;

namespace Bytez.Bench.Generation;

/// <summary>
/// (1) The direct baseline for GGUF models: LLamaSharp's own high-level <see cref="StatelessExecutor"/> (its own
/// weights, a fresh context per call as the executor makes it, its own tokenizer and streaming detokenizer) with a
/// greedy sampling pipeline built from llama.cpp's samplers: a logit bias of −∞ on every end-of-generation token
/// (what <c>min_new_tokens</c> = N does), then the greedy sampler.
/// </summary>
internal sealed class LlamaDirect : IDisposable
{
    private readonly LLamaWeights _weights;
    private readonly StatelessExecutor _executor;
    private readonly LLamaToken[] _endOfGeneration;

    public LlamaDirect(string ggufPath, uint contextSize, int threads)
    {
        Parameters = new ModelParams(ggufPath)
        {
            ContextSize = contextSize,
            GpuLayerCount = 0,
            Threads = threads,
            BatchThreads = threads,
        };
        _weights = LLamaWeights.LoadFromFile(Parameters);
        _executor = new StatelessExecutor(_weights, Parameters);
        var vocab = _weights.Vocab;
        _endOfGeneration = Enumerable.Range(0, vocab.Count).Select(i => (LLamaToken)i).Where(t => t.IsEndOfGeneration(vocab)).ToArray();
    }

    public ModelParams Parameters { get; }

    /// <summary>The tokens that end generation (masked here).</summary>
    public IReadOnlyList<int> EndOfGeneration => _endOfGeneration.Select(t => (int)t).ToList();

    /// <summary>Generates <paramref name="newTokens"/> tokens greedily after <paramref name="prompt"/> through the executor.</summary>
    public async Task<GenerationRun> GenerateAsync(string prompt, int newTokens)
    {
        using var pipeline = new GreedyNoEndPipeline(_endOfGeneration);
        var parameters = new InferenceParams { MaxTokens = newTokens, SamplingPipeline = pipeline, AntiPrompts = [] };
        var clock = new StreamClock();
        var text = new StringBuilder();
        int count = 0, atFirst = 0;
        await foreach (var piece in _executor.InferAsync(prompt, parameters).ConfigureAwait(false))
        {
            clock.Piece(piece);
            text.Append(piece);
            count++;
            if (atFirst == 0 && piece.Length > 0)
            {
                atFirst = count;
            }
        }

        return clock.Finish(count, text.ToString(), pipeline.Chosen, Math.Max(1, atFirst));
    }

    public void Dispose() => _weights.Dispose();

    /// <summary>Greedy decoding with the end-of-generation tokens biased to −∞; records the chosen ids.</summary>
    private sealed class GreedyNoEndPipeline(LLamaToken[] banned) : BaseSamplingPipeline
    {
        public List<int> Chosen { get; } = [];

        public override LLamaToken Sample(SafeLLamaContextHandle ctx, int index)
        {
            var token = base.Sample(ctx, index);
            Chosen.Add((int)token);
            return token;
        }

        protected override SafeLLamaSamplerChainHandle CreateChain(SafeLLamaContextHandle context)
        {
            var chain = SafeLLamaSamplerChainHandle.Create(LLamaSamplerChainParams.Default());
            var biases = banned.Select(t => new LLamaLogitBias { Token = t, Bias = float.NegativeInfinity }).ToArray();
            chain.AddLogitBias(context.ModelHandle.Vocab.Count, biases);
            chain.AddGreedySampler();
            return chain;
        }
    }
}
