using System.Text;

namespace Bytez.Engine.Generation.Constraints;

/// <summary>
/// Matches text byte by byte against a <see cref="CompiledGrammar"/>: a set of parse stacks (usually one to three,
/// as the JSON grammars are nearly deterministic) whose return frames live in a shared arena. A stack's head is a
/// position that reads a byte, or a whole rule whose alternatives the next byte tells apart (a JSON string character:
/// one head instead of ten, see <see cref="CompiledGrammar.RuleDispatch"/>). Advancing only appends
/// to the arena and the head list, so a state is saved and restored by remembering four integers; that is what lets
/// <see cref="TokenConstraint"/> walk a vocabulary trie without copying or allocating. Not thread-safe.
/// </summary>
public sealed class GrammarMatcher
{
    private readonly CompiledGrammar _g;
    private int[] _headPos = new int[64];
    private int[] _headParent = new int[64];
    private int[] _nodePos = new int[256];
    private int[] _nodeParent = new int[256];
    private int[] _spareNodePos = new int[256];
    private int[] _spareNodeParent = new int[256];
    private int[] _forward = [];
    private int[] _chain = new int[64];
    private int _start;
    private int _end;
    private int _top;
    private int _nodes;
    private int _liveNodes;
    private bool _complete;
    private bool _expandComplete;

    /// <summary>Starts matching at the beginning of <paramref name="grammar"/>.</summary>
    public GrammarMatcher(CompiledGrammar grammar)
    {
        ArgumentNullException.ThrowIfNull(grammar);
        _g = grammar;
        Reset();
    }

    /// <summary>Whether the text so far is a complete match (the sequence may end here).</summary>
    public bool IsComplete => _complete;

    /// <summary>Whether some byte can still follow.</summary>
    public bool CanContinue => _end > _start;

    /// <summary>How many parse stacks are alive (a measure of ambiguity; for diagnostics and tests).</summary>
    public int StackCount => _end - _start;

    /// <summary>
    /// Writes the state's full content into <paramref name="key"/> (each stack's positions from the top down, a head
    /// that is a dispatched rule r written as <c>~r</c>, then the completion flag), growing it when needed; returns its length. Equal keys mean equal states, whatever the arena
    /// frames are numbered, so masks can be reused for states that recur (every character inside a long string).
    /// </summary>
    internal int WriteKey(ref int[] key)
    {
        var n = 0;
        for (var i = _start; i < _end; i++)
        {
            Put(ref key, ref n, _headPos[i]);
            for (var node = _headParent[i]; node >= 0; node = _nodeParent[node])
            {
                Put(ref key, ref n, _nodePos[node]);
            }

            Put(ref key, ref n, int.MinValue);
        }

        Put(ref key, ref n, _complete ? 1 : 0);
        return n;

        static void Put(ref int[] key, ref int n, int value)
        {
            if (n == key.Length)
            {
                Array.Resize(ref key, Math.Max(16, n * 2));
            }

            key[n++] = value;
        }
    }

    /// <summary>Goes back to the empty text.</summary>
    public void Reset()
    {
        _start = _end = _top = 0;
        _nodes = 0;
        _liveNodes = 0;
        _expandComplete = false;
        ExpandRule(_g.Root, -1, 0);
        _end = _top;
        _complete = _expandComplete;
    }

    /// <summary>Advances over <paramref name="text"/> (UTF-8) if the grammar allows all of it; otherwise changes nothing.</summary>
    public bool TryAdvance(string text) => TryAdvance(Encoding.UTF8.GetBytes(text ?? throw new ArgumentNullException(nameof(text))));

    /// <summary>Advances over <paramref name="bytes"/> if the grammar allows all of them; otherwise changes nothing.</summary>
    public bool TryAdvance(ReadOnlySpan<byte> bytes)
    {
        var saved = Save();
        foreach (var b in bytes)
        {
            if (!Step(b))
            {
                Restore(saved);
                return false;
            }
        }

        Commit();
        return true;
    }

    /// <summary>Whether the grammar allows <paramref name="bytes"/> next, without advancing.</summary>
    public bool Allows(ReadOnlySpan<byte> bytes)
    {
        var saved = Save();
        var ok = true;
        foreach (var b in bytes)
        {
            if (!Step(b))
            {
                ok = false;
                break;
            }
        }

        Restore(saved);
        return ok;
    }

    /// <summary>The current state, to come back to with <see cref="Restore"/> (valid while no <see cref="Commit"/> happens).</summary>
    internal State Save() => new(_start, _end, _nodes, _complete);

    /// <summary>Returns to a state saved since the last <see cref="Commit"/>.</summary>
    internal void Restore(State state)
    {
        _start = state.Start;
        _end = _top = state.End;
        _nodes = state.Nodes;
        _complete = state.Complete;
    }

    /// <summary>Advances one byte; on rejection the state is unchanged and the result false.</summary>
    internal bool Step(byte b)
    {
        var newStart = _end;
        var savedNodes = _nodes;
        _top = newStart;
        _expandComplete = false;
        for (var i = _start; i < _end; i++)
        {
            var pos = _headPos[i];
            if (pos >= 0)
            {
                if (_g.Contains(pos, b))
                {
                    Expand(pos + 1, _headParent[i], newStart);
                }
            }
            else if (_g.DispatchNext(~pos, b) is var next and >= 0)
            {
                Expand(next, _headParent[i], newStart);
            }
        }

        if (_top == newStart && !_expandComplete)
        {
            _top = _end;
            _nodes = savedNodes;
            return false;
        }

        _start = newStart;
        _end = _top;
        _complete = _expandComplete;
        return true;
    }

    /// <summary>Makes the current state the base: moves the heads down and, now and then, drops dead arena frames.</summary>
    internal void Commit()
    {
        var count = _end - _start;
        if (_start > 0)
        {
            Array.Copy(_headPos, _start, _headPos, 0, count);
            Array.Copy(_headParent, _start, _headParent, 0, count);
            _start = 0;
            _end = _top = count;
        }

        if (_nodes > (2 * _liveNodes) + 256)
        {
            CompactNodes();
        }
    }

    private void CompactNodes()
    {
        if (_forward.Length < _nodes)
        {
            _forward = new int[_nodePos.Length];
        }

        _forward.AsSpan(0, _nodes).Fill(-1);
        if (_spareNodePos.Length < _nodePos.Length)
        {
            _spareNodePos = new int[_nodePos.Length];
            _spareNodeParent = new int[_nodePos.Length];
        }

        var count = 0;
        for (var i = _start; i < _end; i++)
        {
            // Walk up to a frame already moved (or the bottom), then move the chain top-down from there.
            var length = 0;
            var node = _headParent[i];
            while (node >= 0 && _forward[node] < 0)
            {
                if (length == _chain.Length)
                {
                    Array.Resize(ref _chain, length * 2);
                }

                _chain[length++] = node;
                node = _nodeParent[node];
            }

            for (var k = length - 1; k >= 0; k--)
            {
                var old = _chain[k];
                var parent = _nodeParent[old];
                _spareNodePos[count] = _nodePos[old];
                _spareNodeParent[count] = parent < 0 ? -1 : _forward[parent];
                _forward[old] = count++;
            }

            _headParent[i] = _headParent[i] < 0 ? -1 : _forward[_headParent[i]];
        }

        (_nodePos, _spareNodePos) = (_spareNodePos, _nodePos);
        (_nodeParent, _spareNodeParent) = (_spareNodeParent, _nodeParent);
        _nodes = _liveNodes = count;
    }

    private void ExpandRule(int rule, int parent, int rangeStart)
    {
        if (_g.RuleDispatch[rule] >= 0)
        {
            AddHead(~rule, parent, rangeStart);
            return;
        }

        var starts = _g.AltStarts;
        for (var a = _g.RuleStarts[rule]; a < _g.RuleStarts[rule + 1]; a++)
        {
            Expand(starts[a], parent, rangeStart);
        }
    }

    /// <summary>Adds the heads reachable from <paramref name="pos"/> without reading a byte (closing and opening rules).</summary>
    private void Expand(int pos, int parent, int rangeStart)
    {
        var kinds = _g.Kinds;
        while (true)
        {
            switch (kinds[pos])
            {
                case CompiledGrammar.KindBytes:
                    AddHead(pos, parent, rangeStart);
                    return;
                case CompiledGrammar.KindEnd:
                    if (parent < 0)
                    {
                        _expandComplete = true;
                        return;
                    }

                    pos = _nodePos[parent];
                    parent = _nodeParent[parent];
                    continue;
                default:
                    var ret = pos + 1;
                    // A reference in tail position returns straight to the caller's frame (no frame of its own), so
                    // repetition written as right recursion keeps the stacks shallow.
                    var frame = kinds[ret] == CompiledGrammar.KindEnd ? parent : NewNode(ret, parent);
                    ExpandRule(_g.Args[pos], frame, rangeStart);
                    return;
            }
        }
    }

    /// <summary>Adds a head (a byte position, or <c>~rule</c> for a dispatched rule) unless the new heads have it already.</summary>
    private void AddHead(int pos, int parent, int rangeStart)
    {
        for (var i = rangeStart; i < _top; i++)
        {
            if (_headPos[i] == pos && _headParent[i] == parent)
            {
                return;
            }
        }

        if (_top == _headPos.Length)
        {
            Array.Resize(ref _headPos, _top * 2);
            Array.Resize(ref _headParent, _top * 2);
        }

        _headPos[_top] = pos;
        _headParent[_top++] = parent;
    }

    private int NewNode(int pos, int parent)
    {
        if (_nodes == _nodePos.Length)
        {
            Array.Resize(ref _nodePos, _nodes * 2);
            Array.Resize(ref _nodeParent, _nodes * 2);
        }

        _nodePos[_nodes] = pos;
        _nodeParent[_nodes] = parent;
        return _nodes++;
    }

    /// <summary>A saved matcher state.</summary>
    internal readonly record struct State(int Start, int End, int Nodes, bool Complete);
}
