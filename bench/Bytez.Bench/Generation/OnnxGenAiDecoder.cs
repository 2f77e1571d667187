using Microsoft.ML.OnnxRuntimeGenAI;

namespace Bytez.Bench.Generation;

/// <summary>
/// The ONNX Runtime GenAI anchor: its own generator loop on the same model folder (<c>genai_config.json</c> next to
/// the decoder), greedy, the intra-op threads set by a config overlay to what the other rows use. Token ids in, token
/// ids out (no tokenizer: GenAI's would need ONNX Runtime Extensions' files). The end-of-sequence token is held back by
/// <c>min_length</c>, as the other rows mask it, so every call makes exactly N new tokens.
/// </summary>
internal sealed class OnnxGenAiDecoder : IDisposable
{
    private readonly Config _config;
    private readonly Model _model;

    /// <param name="folder">The folder holding <c>genai_config.json</c>.</param>
    /// <param name="intraOpThreads">Intra-op threads of GenAI's ONNX Runtime session.</param>
    public OnnxGenAiDecoder(string folder, int intraOpThreads)
    {
        _config = new Config(folder);
        _config.ClearProviders();
        _config.Overlay(
            "{\"model\":{\"decoder\":{\"session_options\":{\"intra_op_num_threads\":" +
            intraOpThreads.ToString(System.Globalization.CultureInfo.InvariantCulture) + ",\"inter_op_num_threads\":1}}}}");
        _model = new Model(_config);
    }

    /// <summary>Greedy decoding of <paramref name="newTokens"/> tokens after <paramref name="prompt"/>.</summary>
    public GenerationRun Generate(int[] prompt, int newTokens)
    {
        var clock = new StreamClock();
        using var parameters = new GeneratorParams(_model);
        parameters.SetSearchOption("max_length", prompt.Length + newTokens);
        parameters.SetSearchOption("min_length", prompt.Length + newTokens);
        parameters.SetSearchOption("do_sample", false);
        using var generator = new Generator(_model, parameters);
        generator.AppendTokens(prompt);
        var ids = new List<int>(newTokens);
        while (!generator.IsDone() && ids.Count < newTokens)
        {
            generator.GenerateNextToken();
            var sequence = generator.GetSequence(0);
            ids.Add(sequence[^1]);
            clock.Token();
        }

        return clock.Finish(ids.Count, string.Empty, ids, 1);
    }

    /// <summary>
    /// GenAI's own batch: <paramref name="batch"/> copies of <paramref name="prompt"/> in one generator
    /// (<c>batch_size</c> search option, the prompts appended as one flat array of batch × length ids), greedy,
    /// <paramref name="newTokens"/> tokens each. Returns the tokens generated (all sequences).
    /// </summary>
    public int GenerateBatch(int[] prompt, int newTokens, int batch)
    {
        using var parameters = new GeneratorParams(_model);
        parameters.SetSearchOption("batch_size", batch);
        parameters.SetSearchOption("max_length", prompt.Length + newTokens);
        parameters.SetSearchOption("min_length", prompt.Length + newTokens);
        parameters.SetSearchOption("do_sample", false);
        using var generator = new Generator(_model, parameters);
        var ids = new int[prompt.Length * batch];
        for (int b = 0; b < batch; b++)
        {
            prompt.CopyTo(ids, b * prompt.Length);
        }

        generator.AppendTokens(ids);
        int steps = 0;
        while (!generator.IsDone() && steps < newTokens)
        {
            generator.GenerateNextToken();
            steps++;
        }

        return steps * batch;
    }

    public void Dispose()
    {
        _model.Dispose();
        _config.Dispose();
    }
}
