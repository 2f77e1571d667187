using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Bytez.Engine.Onnx.Generation;
using Bytez.Protocol;
using Bytez.Testing.TinyModels;

namespace Bytez.Bench.Generation;

/// <summary>
/// The second turn of a chat with a long history on the ONNX decoder: time to first token of turn 1 (a 1,000-token
/// history, nothing cached) against turn 2 (the same history, turn 1's answer and a new question; the history's key/value
/// cache kept by the prefix cache), both through the engine (<c>InferenceEngine.StartStreamAsync</c>, the server's path
/// without HTTP). Each pass is a new conversation (its first words differ), so turn 1 never finds a cached prefix.
/// </summary>
internal static class PrefixCacheBenchmark
{
    /// <summary>The model's id in the benchmark server.</summary>
    public const string ModelId = "bench/prefix-onnx";

    private const int HistoryTokens = 1000;
    private const int NewTokens = 8;
    private const double Aim = 0.2;

    /// <summary>
    /// The model: a Llama-layout decoder of SmolLM2-135M's transformer shape (30 layers, hidden 576, 9 heads, 3 key/value
    /// heads; the writer's small vocabulary and 4 × hidden MLP), or a 4-layer one in a quick run.
    /// </summary>
    public static OnnxDecoderModelOptions Options(bool quick) => quick
        ? new() { Architecture = OnnxDecoderArchitecture.Llama, Layers = 4, Hidden = 512, Heads = 8, KeyValueHeads = 4, ContextLength = 2048 }
        : new() { Architecture = OnnxDecoderArchitecture.Llama, Layers = 30, Hidden = 576, Heads = 9, KeyValueHeads = 3, ContextLength = 2048 };

    /// <summary>Writes the model under <paramref name="work"/>.</summary>
    public static OnnxDecoderModel Write(string work, bool quick) => OnnxDecoderModelWriter.Write(Path.Combine(work, "prefix-onnx"), Options(quick));

#if !BENCH_NO_HTTP
    /// <summary>Runs the turns and returns the report's section.</summary>
    public static async Task<string> MeasureAsync(Http.GenerationServer server, GenerationRunSettings settings)
    {
        var engine = server.Engine;
        var descriptor = engine.Catalog.Find(ModelId) ?? throw new InvalidOperationException($"The server's catalog has no {ModelId}.");
        var instance = (OnnxDecoderInstance)await engine.GetInstanceAsync(descriptor, CancellationToken.None).ConfigureAwait(false);
        var options = Options(settings.Quick);
        var first = new List<double>();
        var second = new List<double>();
        var ratios = new List<double>();
        long reused = 0;
        var promptTokens = (0, 0);
        for (var pass = 0; pass < settings.Warmups + settings.Passes; pass++)
        {
            // Each turn is timed by a request for one token (its only piece comes when that token is chosen, whatever
            // its text); turn 1's reply for the history is then generated untimed.
            var history = History(instance, pass);
            var turn1 = await TimedAsync(engine, history, 1).ConfigureAwait(false);
            var reply = await TimedAsync(engine, history, NewTokens).ConfigureAwait(false);
            List<ChatMessage> next = [.. history, new("assistant", reply.Text), new("user", "Thank you. Now tell me, in one line, what the second speaker wanted?")];
            var reusedBefore = instance.PrefixCacheReusedTokens;
            var turn2 = await TimedAsync(engine, next, 1).ConfigureAwait(false);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  prefix cache pass {pass}: turn 1 TTFT {turn1.FirstMs:F1} ms, turn 2 TTFT {turn2.FirstMs:F1} ms, reused {instance.PrefixCacheReusedTokens - reusedBefore} tokens"));
            if (pass < settings.Warmups)
            {
                continue;
            }

            first.Add(turn1.FirstMs);
            second.Add(turn2.FirstMs);
            ratios.Add(turn2.FirstMs / turn1.FirstMs);
            reused = instance.PrefixCacheReusedTokens - reusedBefore;
            promptTokens = (ChatMlTokens(instance, history), ChatMlTokens(instance, next));
        }

        var inv = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine("### Prefix caching: the second turn of a chat (ONNX decoder, through the engine)");
        md.AppendLine();
        md.AppendLine(inv, $"- Model: random-weight Llama-layout decoder (OnnxDecoderModelWriter), {options.Layers} layers, hidden {options.Hidden}, {options.Heads} heads / {options.KeyValueHeads} key/value heads, context {options.ContextLength}{(settings.Quick ? " (quick run: not the 135M shape)" : " (SmolLM2-135M's transformer shape; the writer's 269-token vocabulary)")}; {descriptor.ParameterCount:N0} parameters.");
        md.AppendLine(inv, $"- Turn 1: a new conversation whose messages render to {promptTokens.Item1} prompt tokens (≈ {HistoryTokens:N0} of history), nothing of it cached; turn 2: the same messages, turn 1's answer and a new question ({promptTokens.Item2} prompt tokens), of which {reused} came from the prefix cache (`Bytez:OnnxDecoder:PrefixCache`, on by default).");
        md.AppendLine(inv, $"- Both through `InferenceEngine.StartStreamAsync` (chat template, tokenizer, sampler, detokenizer), greedy; TTFT = from the call to the first token: each turn is timed as a request for 1 new token, whose one piece comes when that token is chosen (turn 1's reply for the history, {NewTokens} tokens, is generated after it, untimed). {settings.Warmups} warm-up conversation, then the median of {settings.Passes}.");
        md.AppendLine();
        md.AppendLine("| turn | TTFT ms (median) | × turn 1 | paired × turn 1 (median of per-conversation ratios) |");
        md.AppendLine("|---|---:|---:|---:|");
        var m1 = Stats.Median(first);
        var m2 = Stats.Median(second);
        md.AppendLine(inv, $"| turn 1: {promptTokens.Item1}-token prompt, nothing cached | {m1:F1} | 1.00 | 1.00 |");
        md.AppendLine(inv, $"| turn 2: {promptTokens.Item2}-token prompt, {reused} tokens from the prefix cache | {m2:F1} | {m2 / m1:F3} | {Stats.Median(ratios):F3} |");
        md.AppendLine();
        var paired = Stats.Median(ratios);
        md.AppendLine(inv, $"Aim: turn 2's TTFT ≤ {Aim:F1} × turn 1's — {(paired <= Aim ? "met" : "MISSED")} ({paired:F3}).");
        md.AppendLine();
        return md.ToString();
    }

    /// <summary>A system prompt and earlier turns of about <see cref="HistoryTokens"/> tokens, opened by words unique to <paramref name="conversation"/>.</summary>
    private static List<ChatMessage> History(OnnxDecoderInstance instance, int conversation)
    {
        string[] lines =
        [
            "I would like to plan a walk along the coast next spring, starting from the old harbour.",
            "A good plan: leave early, follow the cliff path north, and stop at the lighthouse for lunch.",
            "How long is the path from the harbour to the lighthouse, and is it steep anywhere?",
            "About eleven kilometres; the climb after the second bay is steep but short, with steps cut in the rock.",
            "Can I bring a dog, and are there places to fill a water bottle on the way?",
            "Dogs on a lead are welcome; there is a tap at the café by the second bay and another at the lighthouse.",
        ];
        List<ChatMessage> messages = [new("system", $"Conversation {conversation} ({Guid.NewGuid():N}). You are a friendly guide for walkers.")];
        for (var i = 0; ChatMlTokens(instance, messages) < HistoryTokens; i++)
        {
            messages.Add(new(i % 2 == 0 ? "user" : "assistant", lines[i % lines.Length]));
        }

        if (messages[^1].Role == "assistant")
        {
            messages.Add(new("user", "Thanks, that helps."));
        }

        return messages;
    }

    /// <summary>Tokens of the messages rendered with the tiny models' ChatML template, the generation prompt included.</summary>
    private static int ChatMlTokens(OnnxDecoderInstance instance, IEnumerable<ChatMessage> messages)
    {
        var text = new StringBuilder();
        foreach (var message in messages)
        {
            text.Append("<|im_start|>").Append(message.Role).Append('\n').Append(message.Content).Append("<|im_end|>\n");
        }

        return instance.Tokenizer.Encode(text.Append("<|im_start|>assistant\n").ToString(), addSpecialTokens: false).Length;
    }

    /// <summary>Generates <paramref name="newTokens"/> tokens greedily; the time from the call to the first piece (with text, or the last).</summary>
    private static async Task<(double FirstMs, string Text)> TimedAsync(Bytez.Engine.InferenceEngine engine, List<ChatMessage> messages, int newTokens)
    {
        var parameters = JsonSerializer.SerializeToElement(new ModelParameters { MaxNewTokens = newTokens, MinNewTokens = newTokens, DoSample = false });
        var request = new RunRequest { Messages = messages, Params = parameters, Stream = true };
        var start = Stopwatch.GetTimestamp();
        var firstMs = double.NaN;
        var text = new StringBuilder();
        var pieces = await engine.StartStreamAsync(ModelId, request, CancellationToken.None).ConfigureAwait(false);
        await foreach (var piece in pieces.ConfigureAwait(false))
        {
            if (double.IsNaN(firstMs) && (piece.Length > 0 || newTokens == 1))
            {
                firstMs = Harness.Milliseconds(start, Stopwatch.GetTimestamp());
            }

            text.Append(piece);
        }

        return (firstMs, text.ToString());
    }
#endif
}
