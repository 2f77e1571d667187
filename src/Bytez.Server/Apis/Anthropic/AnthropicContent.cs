using System.Security.Cryptography;
using System.Text;
using Bytez.Engine.Generation;
using Bytez.Engine.Generation.Tools;
using Bytez.Server.Apis.OpenAi;

namespace Bytez.Server.Apis.Anthropic;

/// <summary>The kind of a content block of an answer.</summary>
public enum AnthropicBlockType
{
    /// <summary><c>{"type": "text", "text"}</c>.</summary>
    Text,

    /// <summary><c>{"type": "thinking", "thinking", "signature"}</c>: the model's thinking (templates with thinking tags).</summary>
    Thinking,

    /// <summary><c>{"type": "tool_use", "id", "name", "input"}</c>: a tool call.</summary>
    ToolUse,
}

/// <summary>One content block of an answer, as it grows.</summary>
public sealed class AnthropicBlock(AnthropicBlockType type, ChatToolCall? call = null)
{
    /// <summary>The block's kind.</summary>
    public AnthropicBlockType Type { get; } = type;

    /// <summary>The text of a text block or the thinking of a thinking block.</summary>
    public StringBuilder Text { get; } = new();

    /// <summary>The call of a tool_use block.</summary>
    public ChatToolCall? Call { get; } = call;

    /// <summary>The signature of a thinking block, set when it closes.</summary>
    public string? Signature { get; set; }
}

/// <summary>What happens to a block in a stream: it starts, grows by a delta, gets its signature, or stops.</summary>
public enum AnthropicBlockEventKind
{
    /// <summary><c>content_block_start</c>.</summary>
    Start,

    /// <summary><c>content_block_delta</c> with <c>text_delta</c>, <c>thinking_delta</c> or <c>input_json_delta</c>.</summary>
    Delta,

    /// <summary><c>content_block_delta</c> with <c>signature_delta</c> (a thinking block, just before it stops).</summary>
    Signature,

    /// <summary><c>content_block_stop</c>.</summary>
    Stop,
}

/// <summary>A change to the block at <paramref name="Index"/>; <paramref name="Delta"/> is the text added (or the signature).</summary>
public sealed record AnthropicBlockEvent(AnthropicBlockEventKind Kind, int Index, AnthropicBlock Block, string? Delta = null);

/// <summary>
/// Folds the engine's updates of one answer into Anthropic's content blocks, in the order the model produced them:
/// thinking becomes a <c>thinking</c> block, answer text a <c>text</c> block (without the stop sequence that ended it,
/// <see cref="StopTrimmer"/>), each tool call a <c>tool_use</c> block; a change of kind closes the open block and opens
/// the next. The events it returns are what a stream sends; <see cref="Blocks"/> is the whole answer. It also keeps
/// the token counts, the stop reason and the stop sequence matched.
/// </summary>
public sealed class AnthropicContent(IReadOnlyList<string> stops, bool omitThinking)
{
    private readonly StopTrimmer _trimmer = new(stops);
    private readonly int _tailLength = stops.Count == 0 ? 0 : stops.Max(s => s.Length);
    private string _tail = string.Empty;
    private AnthropicBlock? _open;

    /// <summary>The blocks so far.</summary>
    public List<AnthropicBlock> Blocks { get; } = [];

    /// <summary>The prompt's tokens (<c>input_tokens</c>).</summary>
    public int InputTokens { get; private set; }

    /// <summary>The tokens generated, thinking included (<c>output_tokens</c>).</summary>
    public int OutputTokens { get; private set; }

    /// <summary>Why the engine ended the answer, once it has.</summary>
    public FinishReason? Finish { get; private set; }

    /// <summary>
    /// Anthropic's <c>stop_reason</c>: <c>max_tokens</c> when the budget (or time) cut the answer, <c>tool_use</c>
    /// when it called tools, <c>stop_sequence</c> when a stop sequence ended it, else <c>end_turn</c>; null before the end.
    /// </summary>
    public string? StopReason => Finish switch
    {
        null => null,
        FinishReason.Length or FinishReason.Time => "max_tokens",
        _ when Blocks.Any(b => b.Type == AnthropicBlockType.ToolUse) => "tool_use",
        FinishReason.StopString => "stop_sequence",
        _ => "end_turn",
    };

    /// <summary>The stop sequence that ended the answer (<c>stop_sequence</c>), or null.</summary>
    public string? StopSequence { get; private set; }

    /// <summary>Adds an update and returns the block events it makes.</summary>
    public List<AnthropicBlockEvent> Add(GenerationUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        var events = new List<AnthropicBlockEvent>();
        InputTokens = update.PromptTokens;
        OutputTokens = Math.Max(OutputTokens, update.GeneratedTokens);
        if (update.Reasoning is { Length: > 0 } thinking)
        {
            Remember(thinking);
            Grow(events, AnthropicBlockType.Thinking, omitThinking ? null : thinking);
        }

        Remember(update.Text);
        var text = _trimmer.Next(update.Text, update.Finish);
        if (text.Length > 0)
        {
            Grow(events, AnthropicBlockType.Text, text);
        }

        foreach (var call in update.ToolCalls ?? [])
        {
            Close(events);
            var block = new AnthropicBlock(AnthropicBlockType.ToolUse, call);
            Blocks.Add(block);
            var index = Blocks.Count - 1;
            events.Add(new(AnthropicBlockEventKind.Start, index, block));
            events.Add(new(AnthropicBlockEventKind.Delta, index, block, AnthropicToolInput.Json(call.Arguments)));
            events.Add(new(AnthropicBlockEventKind.Stop, index, block));
        }

        if (update.Finish is { } finish)
        {
            Finish = finish;
            if (finish == FinishReason.StopString)
            {
                StopSequence = stops.Where(s => _tail.EndsWith(s, StringComparison.Ordinal)).OrderByDescending(s => s.Length).FirstOrDefault();
            }

            Close(events);
        }

        return events;
    }

    /// <summary>Closes the open block, if any (the end of a stream that had no finishing update).</summary>
    public List<AnthropicBlockEvent> Complete()
    {
        var events = new List<AnthropicBlockEvent>();
        Close(events);
        return events;
    }

    /// <summary>
    /// A thinking block's <c>signature</c>: this server's digest of the thinking text (base64 SHA-256). Anthropic's
    /// clients expect one and send it back with the block; this server drops earlier thinking and checks nothing.
    /// </summary>
    public static string Signature(string thinking) =>
        Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes("bytez-thinking\n" + thinking)));

    private void Grow(List<AnthropicBlockEvent> events, AnthropicBlockType type, string? delta)
    {
        if (_open?.Type != type)
        {
            Close(events);
            _open = new AnthropicBlock(type);
            Blocks.Add(_open);
            events.Add(new(AnthropicBlockEventKind.Start, Blocks.Count - 1, _open));
        }

        if (delta is not null)
        {
            _open.Text.Append(delta);
            events.Add(new(AnthropicBlockEventKind.Delta, Blocks.Count - 1, _open, delta));
        }
    }

    private void Close(List<AnthropicBlockEvent> events)
    {
        if (_open is not { } block)
        {
            return;
        }

        _open = null;
        var index = Blocks.IndexOf(block);
        if (block.Type == AnthropicBlockType.Thinking)
        {
            block.Signature = Signature(block.Text.ToString());
            events.Add(new(AnthropicBlockEventKind.Signature, index, block, block.Signature));
        }

        events.Add(new(AnthropicBlockEventKind.Stop, index, block));
    }

    /// <summary>Keeps the end of the raw text, long enough to tell which stop sequence ended it.</summary>
    private void Remember(string text)
    {
        if (_tailLength == 0 || text.Length == 0)
        {
            return;
        }

        var joined = _tail + text;
        _tail = joined.Length <= _tailLength ? joined : joined[^_tailLength..];
    }
}
