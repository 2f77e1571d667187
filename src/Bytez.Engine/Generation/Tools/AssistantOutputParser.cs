using System.Text.Json;

namespace Bytez.Engine.Generation.Tools;

/// <summary>
/// Splits a chat model's output, fed in pieces as it streams, into answer text, thinking text and tool calls.
/// <para>
/// Thinking: with <see cref="ReasoningTags"/>, text between <c>&lt;think&gt;</c> (at the start of the output, or
/// already opened by the prompt) and <c>&lt;/think&gt;</c> is reasoning. Tool calls: with a
/// <see cref="ToolCallFormat"/>, the format's calls (Hermes <c>&lt;tool_call&gt;</c> blocks anywhere; Llama 3 JSON
/// objects at the start of the answer or after <c>&lt;|python_tag|&gt;</c>; Mistral <c>[TOOL_CALLS]</c> followed by
/// a JSON list or by <c>name[ARGS]{...}</c>, or a bare JSON list at the start of the answer) become
/// <see cref="ChatToolCall"/>s with a new id. A marker-less call at the start of the answer (the marker is a special
/// token a decoder may leave out) counts only when its name is one of the offered tools, when those are known.
/// A call that does not parse stays in the answer as text; the parser never throws on model output.
/// </para>
/// <para>
/// Only text that may be the start of a marker (or a call still being written, or whitespace) is held back;
/// other text is passed on at once. Whitespace that touches a marker or the end of the output is dropped. The
/// result of <see cref="Parse"/> is the fold of the deltas of any split of the same text.
/// </para>
/// </summary>
public sealed class AssistantOutputParser
{
    private const string HermesOpen = "<tool_call>";
    private const string HermesClose = "</tool_call>";
    private const string PythonTag = "<|python_tag|>";
    private const string MistralCalls = "[TOOL_CALLS]";
    private const string MistralArgs = "[ARGS]";
    private const string MistralCallId = "[CALL_ID]";

    private readonly ToolCallFormat? _format;
    private readonly ReasoningTags? _tags;
    private readonly HashSet<string>? _toolNames;
    private readonly Func<string> _newCallId;
    private readonly List<AssistantDelta> _out = [];
    private string _pending = string.Empty;
    private State _state;
    private bool _reasoned;
    private bool _contentSeen;
    private string _heldContent = string.Empty;
    private string _heldReasoning = string.Empty;
    private bool _dropLeadingContent;
    private bool _dropLeadingReasoning;
    private string _raw = string.Empty;
    private bool _bare;
    private int _groupCalls;
    private bool _finished;
    private int _searched;
    private JsonScan _scan = JsonScan.None;

    /// <summary>
    /// Creates a parser for one output. <paramref name="format"/> (null: no tool calls are read) and
    /// <paramref name="reasoning"/> (null: no thinking is read) come from the model's chat template;
    /// <paramref name="startsInReasoning"/> says the prompt already opened the thinking
    /// (<see cref="ReasoningTags.OpensIn"/>); <paramref name="toolNames"/> are the offered tools' names, when known;
    /// <paramref name="newCallId"/> makes call ids (the format's <see cref="ToolCallFormat.NewCallId"/> when null).
    /// </summary>
    public AssistantOutputParser(
        ToolCallFormat? format,
        ReasoningTags? reasoning,
        bool startsInReasoning = false,
        IEnumerable<string>? toolNames = null,
        Func<string>? newCallId = null)
    {
        _format = format;
        _tags = reasoning;
        _toolNames = toolNames is null ? null : new HashSet<string>(toolNames, StringComparer.Ordinal);
        _newCallId = newCallId ?? (() => (format ?? ToolCallFormat.Hermes).NewCallId());
        if (reasoning is not null && startsInReasoning)
        {
            _state = State.Reasoning;
            _reasoned = true;
            _dropLeadingReasoning = true;
        }
    }

    private enum State
    {
        Content,
        Reasoning,
        HermesCall,
        JsonCalls,
        MistralCalls,
    }

    /// <summary>Parses a whole output at once: the fold of <see cref="Feed"/> and <see cref="Finish"/>.</summary>
    public static AssistantOutput Parse(
        string text,
        ToolCallFormat? format,
        ReasoningTags? reasoning,
        bool startsInReasoning = false,
        IEnumerable<string>? toolNames = null,
        Func<string>? newCallId = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new AssistantOutputParser(format, reasoning, startsInReasoning, toolNames, newCallId);
        return AssistantOutput.Fold([.. parser.Feed(text), .. parser.Finish()]);
    }

    /// <summary>Feeds the next piece of output; returns what it completes (possibly nothing).</summary>
    /// <exception cref="InvalidOperationException"><see cref="Finish"/> was called.</exception>
    public IReadOnlyList<AssistantDelta> Feed(string piece)
    {
        ArgumentNullException.ThrowIfNull(piece);
        if (_finished)
        {
            throw new InvalidOperationException("The output was finished.");
        }

        _pending += piece;
        Process(final: false);
        return Take();
    }

    /// <summary>Ends the output: resolves held text (a call left open is read if it parses, else kept as text).</summary>
    public IReadOnlyList<AssistantDelta> Finish()
    {
        if (!_finished)
        {
            _finished = true;
            Process(final: true);
            _heldContent = string.Empty;
            _heldReasoning = string.Empty;
        }

        return Take();
    }

    private List<AssistantDelta> Take()
    {
        var taken = new List<AssistantDelta>(_out);
        _out.Clear();
        return taken;
    }

    private void Process(bool final)
    {
        var progressed = true;
        while (progressed)
        {
            progressed = _state switch
            {
                State.Reasoning => StepReasoning(final),
                State.HermesCall => StepHermes(final),
                State.JsonCalls => StepJson(final),
                State.MistralCalls => StepMistral(final),
                _ => StepContent(final),
            };
        }
    }

    private bool StepReasoning(bool final)
    {
        if (_pending.Length == 0)
        {
            return false;
        }

        var close = _tags!.Close;
        var at = _pending.IndexOf(close, StringComparison.Ordinal);
        if (at >= 0)
        {
            EmitReasoning(_pending[..at]);
            _heldReasoning = string.Empty;
            Consume(at + close.Length);
            _state = State.Content;
            _dropLeadingContent = true;
            return true;
        }

        var keep = final ? 0 : PartialSuffix(_pending, close);
        EmitReasoning(_pending[..^keep]);
        Consume(_pending.Length - keep);
        return false;
    }

    private bool StepContent(bool final)
    {
        if (_pending.Length == 0)
        {
            return false;
        }

        var marker = _format?.Syntax switch
        {
            ToolCallSyntax.Hermes => HermesOpen,
            ToolCallSyntax.Llama3Json => PythonTag,
            ToolCallSyntax.Mistral => MistralCalls,
            _ => null,
        };
        if (!_contentSeen)
        {
            var first = 0;
            while (first < _pending.Length && char.IsWhiteSpace(_pending[first]))
            {
                first++;
            }

            if (first > 0)
            {
                EmitContent(_pending[..first]);
                Consume(first);
            }

            if (_pending.Length == 0)
            {
                return false;
            }

            if (_tags is not null && !_reasoned)
            {
                if (_pending.StartsWith(_tags.Open, StringComparison.Ordinal))
                {
                    _heldContent = string.Empty;
                    Consume(_tags.Open.Length);
                    _state = State.Reasoning;
                    _reasoned = true;
                    _dropLeadingReasoning = true;
                    return true;
                }

                if (!final && _tags.Open.StartsWith(_pending, StringComparison.Ordinal))
                {
                    return false;
                }
            }

            if (marker is not null && !_pending.StartsWith(marker, StringComparison.Ordinal))
            {
                if (!final && marker.StartsWith(_pending, StringComparison.Ordinal))
                {
                    return false;
                }

                var bare = (_format!.Syntax, _pending[0]) switch
                {
                    (ToolCallSyntax.Llama3Json, '{') => State.JsonCalls,
                    (ToolCallSyntax.Mistral, '[') => State.MistralCalls,
                    _ => State.Content,
                };
                if (bare != State.Content)
                {
                    StartGroup(bare, string.Empty, isBare: true);
                    return true;
                }
            }
        }

        if (marker is not null)
        {
            var at = _pending.IndexOf(marker, StringComparison.Ordinal);
            if (at >= 0)
            {
                EmitContent(_pending[..at]);
                Consume(at + marker.Length);
                StartGroup(
                    _format!.Syntax switch
                    {
                        ToolCallSyntax.Hermes => State.HermesCall,
                        ToolCallSyntax.Llama3Json => State.JsonCalls,
                        _ => State.MistralCalls,
                    },
                    marker,
                    isBare: false);
                return true;
            }
        }

        var keep = final || marker is null ? 0 : PartialSuffix(_pending, marker);
        EmitContent(_pending[..^keep]);
        Consume(_pending.Length - keep);
        return false;
    }

    private bool StepHermes(bool final)
    {
        var at = _pending.IndexOf(HermesClose, Math.Max(0, _searched - (HermesClose.Length - 1)), StringComparison.Ordinal);
        if (at < 0 && !final)
        {
            _searched = _pending.Length;
            return false;
        }

        var body = at >= 0 ? _pending[..at] : _pending;
        var closing = at >= 0 ? HermesClose : string.Empty;
        Consume(at >= 0 ? at + HermesClose.Length : _pending.Length);
        if (TryReadCall(body, out var call))
        {
            EmitCall(call);
        }
        else
        {
            EmitContent(_raw + body + closing);
        }

        _state = State.Content;
        return true;
    }

    private bool StepJson(bool final)
    {
        var p = SkipSeparators(_pending, allowSemicolon: _groupCalls > 0);
        if (p == _pending.Length || _pending[p] != '{')
        {
            if (p == _pending.Length && !final)
            {
                return false;
            }

            EndGroup(p);
            return true;
        }

        var end = JsonValueEnd(p);
        if (end < 0)
        {
            if (!final)
            {
                return false;
            }

            FallBack(_pending.Length);
            return true;
        }

        if (TryReadCall(_pending[p..end], out var call))
        {
            Consume(end);
            _raw = string.Empty;
            _groupCalls++;
            EmitCall(call);
            return true;
        }

        FallBack(end);
        return true;
    }

    private bool StepMistral(bool final)
    {
        var p = SkipSeparators(_pending, allowSemicolon: false);
        if (p == _pending.Length)
        {
            if (!final)
            {
                return false;
            }

            EndGroup(p);
            return true;
        }

        if (_pending[p] == '[')
        {
            var end = JsonValueEnd(p);
            if (end < 0)
            {
                if (!final)
                {
                    return false;
                }

                FallBack(_pending.Length);
                return true;
            }

            if (TryReadCallList(_pending[p..end], out var calls))
            {
                Consume(end);
                foreach (var c in calls)
                {
                    EmitCall(c);
                }

                _state = State.Content;
                return true;
            }

            FallBack(end);
            return true;
        }

        if (_bare || !IsNameChar(_pending[p]))
        {
            EndGroup(p);
            return true;
        }

        // name[ARGS]{...} or name[CALL_ID]id[ARGS]{...}
        var q = p;
        while (q < _pending.Length && IsNameChar(_pending[q]))
        {
            q++;
        }

        var name = _pending[p..q];
        if (q < _pending.Length && _pending.AsSpan(q).StartsWith(MistralCallId, StringComparison.Ordinal))
        {
            var args = _pending.IndexOf(MistralArgs, q, StringComparison.Ordinal);
            if (args < 0)
            {
                if (!final)
                {
                    return false;
                }

                FallBack(_pending.Length);
                return true;
            }

            q = args;
        }

        if (q == _pending.Length || (!final && IsProperPrefix(_pending.AsSpan(q), MistralArgs)) || (!final && IsProperPrefix(_pending.AsSpan(q), MistralCallId)))
        {
            if (!final)
            {
                return false;
            }

            FallBack(_pending.Length);
            return true;
        }

        if (_pending.AsSpan(q).StartsWith(MistralArgs, StringComparison.Ordinal))
        {
            q += MistralArgs.Length;
        }

        while (q < _pending.Length && char.IsWhiteSpace(_pending[q]))
        {
            q++;
        }

        if (q == _pending.Length && !final)
        {
            return false;
        }

        var argsEnd = q < _pending.Length && _pending[q] == '{' ? JsonValueEnd(q) : -2;
        if (argsEnd == -1 && !final)
        {
            return false;
        }

        if (argsEnd < 0 || !ChatToolsReader.IsValidName(name) || !IsObject(_pending[q..argsEnd]))
        {
            FallBack(argsEnd > 0 ? argsEnd : q);
            return true;
        }

        var arguments = _pending[q..argsEnd];
        Consume(argsEnd);
        EmitCall(new ChatToolCall(_newCallId(), name, arguments));
        _state = State.Content;
        return true;
    }

    private void StartGroup(State state, string marker, bool isBare)
    {
        _state = state;
        _raw = marker;
        _bare = isBare;
        _groupCalls = 0;
    }

    /// <summary>Ends a call group at <paramref name="p"/>: after calls, the rest is answer text; with none, the group's text is.</summary>
    private void EndGroup(int p)
    {
        if (_groupCalls == 0)
        {
            FallBack(p);
            return;
        }

        Consume(p);
        _state = State.Content;
        _dropLeadingContent = true;
    }

    /// <summary>A call that does not parse: its text (the marker and the first <paramref name="length"/> pending characters) is answer text.</summary>
    private void FallBack(int length)
    {
        var text = _raw + _pending[..length];
        Consume(length);
        _state = State.Content;
        _raw = string.Empty;
        EmitContent(text);
        if (text.Length > 0 && !_contentSeen)
        {
            _contentSeen = true;
        }
    }

    private void EmitCall(ChatToolCall call)
    {
        _heldContent = string.Empty;
        _dropLeadingContent = true;
        _out.Add(new AssistantDelta(ToolCall: call));
    }

    private void EmitContent(string text)
    {
        if (text.Length == 0)
        {
            return;
        }

        if (_dropLeadingContent)
        {
            text = text.TrimStart();
            if (text.Length == 0)
            {
                return;
            }

            _dropLeadingContent = false;
        }

        var combined = _heldContent + text;
        var visible = combined.TrimEnd();
        _heldContent = combined[visible.Length..];
        if (visible.Length > 0)
        {
            _contentSeen = true;
            _out.Add(new AssistantDelta(Content: visible));
        }
    }

    private void EmitReasoning(string text)
    {
        if (text.Length == 0)
        {
            return;
        }

        if (_dropLeadingReasoning)
        {
            text = text.TrimStart();
            if (text.Length == 0)
            {
                return;
            }

            _dropLeadingReasoning = false;
        }

        var combined = _heldReasoning + text;
        var visible = combined.TrimEnd();
        _heldReasoning = combined[visible.Length..];
        if (visible.Length > 0)
        {
            _out.Add(new AssistantDelta(Reasoning: visible));
        }
    }

    private void Consume(int count)
    {
        _pending = _pending[count..];
        _searched = 0;
        _scan = JsonScan.None;
    }

    private bool TryReadCall(string json, out ChatToolCall call)
    {
        call = null!;
        try
        {
            using var document = JsonDocument.Parse(json);
            return TryReadCall(document.RootElement, out call);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private bool TryReadCall(JsonElement element, out ChatToolCall call)
    {
        call = null!;
        if (element.ValueKind != JsonValueKind.Object
            || !element.TryGetProperty("name", out var n) || n.ValueKind != JsonValueKind.String
            || n.GetString() is not { Length: > 0 } name
            || (_bare && _toolNames is not null && !_toolNames.Contains(name)))
        {
            return false;
        }

        var found = element.TryGetProperty("arguments", out var args) || element.TryGetProperty("parameters", out args);
        string arguments;
        if (!found || args.ValueKind == JsonValueKind.Null)
        {
            arguments = "{}";
        }
        else if (args.ValueKind == JsonValueKind.Object)
        {
            arguments = args.GetRawText();
        }
        else if (args.ValueKind == JsonValueKind.String && IsObject(args.GetString()!))
        {
            arguments = args.GetString()!;
        }
        else
        {
            return false;
        }

        call = new ChatToolCall(_newCallId(), name, arguments);
        return true;
    }

    private bool TryReadCallList(string json, out List<ChatToolCall> calls)
    {
        calls = [];
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Array || document.RootElement.GetArrayLength() == 0)
            {
                return false;
            }

            foreach (var e in document.RootElement.EnumerateArray())
            {
                if (!TryReadCall(e, out var call))
                {
                    return false;
                }

                calls.Add(call);
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool IsObject(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-';

    private static bool IsProperPrefix(ReadOnlySpan<char> text, string marker)
        => text.Length < marker.Length && marker.AsSpan().StartsWith(text, StringComparison.Ordinal);

    private static int SkipSeparators(string text, bool allowSemicolon)
    {
        var p = 0;
        while (p < text.Length && (char.IsWhiteSpace(text[p]) || (allowSemicolon && text[p] == ';')))
        {
            p++;
        }

        return p;
    }

    /// <summary>The length of the longest end of <paramref name="text"/> that begins <paramref name="marker"/> (shorter than it).</summary>
    private static int PartialSuffix(string text, string marker)
    {
        for (var k = Math.Min(marker.Length - 1, text.Length); k > 0; k--)
        {
            if (text.AsSpan(text.Length - k).SequenceEqual(marker.AsSpan(0, k)))
            {
                return k;
            }
        }

        return 0;
    }

    /// <summary>
    /// The index just after the JSON object or list that starts at <paramref name="start"/> of the pending text,
    /// found by matching brackets outside strings; -1 when the text ends first. While a value is still being written
    /// the scan resumes where it stopped, so a long call costs one pass.
    /// </summary>
    private int JsonValueEnd(int start)
    {
        var scan = _scan.Start == start ? _scan : new JsonScan(start, start, 0, false, false);
        var (depth, inString, escaped) = (scan.Depth, scan.InString, scan.Escaped);
        for (var i = scan.Position; i < _pending.Length; i++)
        {
            var c = _pending[i];
            if (inString)
            {
                if (escaped)
                {
                    escaped = false;
                }
                else if (c == '\\')
                {
                    escaped = true;
                }
                else if (c == '"')
                {
                    inString = false;
                }

                continue;
            }

            switch (c)
            {
                case '"':
                    inString = true;
                    break;
                case '{' or '[':
                    depth++;
                    break;
                case '}' or ']':
                    depth--;
                    if (depth == 0)
                    {
                        _scan = JsonScan.None;
                        return i + 1;
                    }

                    break;
            }
        }

        _scan = new JsonScan(start, _pending.Length, depth, inString, escaped);
        return -1;
    }

    /// <summary>Where a bracket scan of the pending text stopped.</summary>
    private readonly record struct JsonScan(int Start, int Position, int Depth, bool InString, bool Escaped)
    {
        public static JsonScan None { get; } = new(-1, 0, 0, false, false);
    }
}
