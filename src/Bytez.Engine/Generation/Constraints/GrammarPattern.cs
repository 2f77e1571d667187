using System.Text.Json;
using static Bytez.Engine.Generation.Constraints.GrammarBuilder;

namespace Bytez.Engine.Generation.Constraints;

/// <summary>
/// What generated text must look like, before compilation: literal text, any JSON object, JSON that validates against a
/// schema, or a sequence of these. <see cref="Compile"/> turns it into the automaton that
/// <see cref="GenerationSettings.OutputGrammar"/> takes. A forced tool call is
/// <c>GrammarPattern.ToolCall(prefix, argumentsSchema, suffix)</c>: the template's opening text, the arguments, its closing text.
/// </summary>
public abstract class GrammarPattern
{
    /// <summary>How many <c>$ref</c>s one path through a schema may follow: recursive schemas nest at most this deep.</summary>
    public const int MaxRefDepth = 6;

    private protected GrammarPattern()
    {
    }

    /// <summary>Exactly <paramref name="text"/>.</summary>
    public static GrammarPattern Literal(string text) => new LiteralPattern(text ?? throw new ArgumentNullException(nameof(text)));

    /// <summary>Any JSON object (<c>response_format</c> <c>json_object</c>), with bounded whitespace around it.</summary>
    public static GrammarPattern JsonObject() => new JsonPattern(null);

    /// <summary>
    /// A JSON value valid against <paramref name="schema"/> (the supported subset: see docs/api.md), with bounded
    /// whitespace around it.
    /// </summary>
    /// <exception cref="EngineException">When compiled: the schema is invalid, too large or uses an unsupported keyword (bad input).</exception>
    public static GrammarPattern JsonSchema(JsonElement schema) => new JsonPattern(schema.Clone());

    /// <summary>The parts one after another.</summary>
    public static GrammarPattern Sequence(params GrammarPattern[] parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        return new SequencePattern([.. parts.Select(p => p ?? throw new ArgumentException("A part is null.", nameof(parts)))]);
    }

    /// <summary>Any one of the patterns (for <c>tool_choice</c> "required": a call of any offered tool).</summary>
    public static GrammarPattern AnyOf(params GrammarPattern[] choices)
    {
        ArgumentNullException.ThrowIfNull(choices);
        if (choices.Length == 0)
        {
            throw new ArgumentException("At least one choice is needed.", nameof(choices));
        }

        return new AnyOfPattern([.. choices.Select(p => p ?? throw new ArgumentException("A choice is null.", nameof(choices)))]);
    }

    /// <summary>A tool call forced into a template's format: <paramref name="prefix"/>, JSON arguments valid against <paramref name="argumentsSchema"/>, <paramref name="suffix"/>.</summary>
    public static GrammarPattern ToolCall(string prefix, JsonElement argumentsSchema, string suffix) =>
        Sequence(Literal(prefix), JsonSchema(argumentsSchema), Literal(suffix));

    /// <summary>Compiles the pattern.</summary>
    /// <exception cref="EngineException">A schema is invalid, too large, unsatisfiable or uses an unsupported keyword (bad input, naming it).</exception>
    public CompiledGrammar Compile()
    {
        var g = new GrammarBuilder();
        var json = new JsonRules(g);
        var root = g.Rule(Emit(json));
        return g.Build(root, "the response format");
    }

    /// <summary>The pattern's symbols in <paramref name="json"/>'s grammar.</summary>
    private protected abstract Symbol[] Emit(JsonRules json);

    /// <summary>A text that tells this pattern from any other (equal texts compile to equal grammars), for <see cref="CompiledGrammarCache"/>.</summary>
    internal string Key()
    {
        var key = new System.Text.StringBuilder();
        Describe(key);
        return key.ToString();
    }

    /// <summary>Appends the pattern's key: a kind letter, then its content with lengths, so that no two patterns write the same.</summary>
    private protected abstract void Describe(System.Text.StringBuilder key);

    private sealed class LiteralPattern(string text) : GrammarPattern
    {
        private protected override Symbol[] Emit(JsonRules json) => json.G.Literal(text);

        private protected override void Describe(System.Text.StringBuilder key) => key.Append('L').Append(text.Length).Append(':').Append(text);
    }

    private sealed class JsonPattern(JsonElement? schema) : GrammarPattern
    {
        private protected override Symbol[] Emit(JsonRules json) =>
            [json.Ws, schema is { } s ? GrammarBuilder.Ref(JsonSchemaCompiler.Compile(json, s)) : json.Object, json.Ws];

        private protected override void Describe(System.Text.StringBuilder key)
        {
            if (schema is { } s)
            {
                var text = s.GetRawText();
                key.Append('J').Append(text.Length).Append(':').Append(text);
            }
            else
            {
                key.Append('O');
            }
        }
    }

    private sealed class SequencePattern(GrammarPattern[] parts) : GrammarPattern
    {
        private protected override Symbol[] Emit(JsonRules json) => [.. parts.SelectMany(p => p.Emit(json))];

        private protected override void Describe(System.Text.StringBuilder key)
        {
            key.Append('S').Append(parts.Length).Append('(');
            foreach (var part in parts)
            {
                part.Describe(key);
            }

            key.Append(')');
        }
    }

    private sealed class AnyOfPattern(GrammarPattern[] choices) : GrammarPattern
    {
        private protected override Symbol[] Emit(JsonRules json) => [GrammarBuilder.Ref(json.G.Rule([.. choices.Select(c => c.Emit(json))]))];

        private protected override void Describe(System.Text.StringBuilder key)
        {
            key.Append('A').Append(choices.Length).Append('(');
            foreach (var choice in choices)
            {
                choice.Describe(key);
            }

            key.Append(')');
        }
    }
}
