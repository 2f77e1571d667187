using System.Text.Json;
using static Bytez.Engine.Generation.Constraints.GrammarBuilder;

namespace Bytez.Engine.Generation.Constraints;

/// <summary>
/// Compiles the JSON Schema subset of structured output into grammar rules (see docs/api.md, <c>response_format</c>):
/// <c>type</c> (one or a list), <c>properties</c>/<c>required</c> (written in schema order; optional ones may be left
/// out), <c>additionalProperties</c>, <c>enum</c>, <c>const</c>, <c>items</c>, <c>prefixItems</c>, <c>minItems</c>/<c>maxItems</c>,
/// <c>anyOf</c>/<c>oneOf</c>, <c>$ref</c> into <c>$defs</c>/<c>definitions</c> (recursion cut at <see cref="MaxRefDepth"/>),
/// <c>minLength</c>/<c>maxLength</c>, <c>format</c> date, date-time, time and uuid, and <c>nullable</c>. Annotations are
/// ignored; any other keyword is refused by name, so what is generated always validates.
/// </summary>
internal sealed class JsonSchemaCompiler
{
    /// <summary>How many <c>$ref</c>s one path through the schema may follow (bounds recursive schemas).</summary>
    public const int MaxRefDepth = GrammarPattern.MaxRefDepth;

    /// <summary>The most JSON values a schema may hold.</summary>
    public const int MaxSchemaNodes = 20_000;

    /// <summary>The deepest a schema may nest.</summary>
    public const int MaxSchemaDepth = 64;

    /// <summary>The largest <c>minLength</c>/<c>maxLength</c> honoured (each character is a grammar rule).</summary>
    public const int MaxStringLength = 10_000;

    private static readonly HashSet<string> Annotations = new(StringComparer.Ordinal)
    {
        "title", "description", "$schema", "$id", "$comment", "examples", "default", "deprecated", "readOnly", "writeOnly",
        "$defs", "definitions", "strict",
    };

    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "type", "properties", "required", "additionalProperties", "enum", "const", "items", "prefixItems", "minItems",
        "maxItems", "anyOf", "oneOf", "$ref", "minLength", "maxLength", "format", "nullable",
    };

    private static readonly string[] Types = ["object", "array", "string", "number", "integer", "boolean", "null"];

    private readonly JsonRules _json;
    private readonly JsonElement _root;
    private readonly Dictionary<(string Pointer, int Depth), int> _refs = [];

    private JsonSchemaCompiler(JsonRules json, JsonElement root)
    {
        _json = json;
        _root = root;
    }

    private GrammarBuilder G => _json.G;

    /// <summary>Compiles <paramref name="schema"/> into a rule of <paramref name="json"/>'s grammar.</summary>
    /// <exception cref="EngineException">The schema is malformed, too large, or uses an unsupported keyword (bad input, naming it).</exception>
    public static int Compile(JsonRules json, JsonElement schema)
    {
        var nodes = 0;
        CheckSize(schema, 0, ref nodes);
        return new JsonSchemaCompiler(json, schema).Schema(schema, "#", 0);
    }

    private static void CheckSize(JsonElement e, int depth, ref int nodes)
    {
        if (++nodes > MaxSchemaNodes || depth > MaxSchemaDepth)
        {
            throw EngineException.BadInput($"The response format's schema is too large (at most {MaxSchemaNodes} JSON values, nested at most {MaxSchemaDepth} deep).");
        }

        if (e.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in e.EnumerateObject())
            {
                CheckSize(p.Value, depth + 1, ref nodes);
            }
        }
        else if (e.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in e.EnumerateArray())
            {
                CheckSize(item, depth + 1, ref nodes);
            }
        }
    }

    /// <summary>The rule of one schema; <paramref name="path"/> names it in errors.</summary>
    private int Schema(JsonElement schema, string path, int refDepth)
    {
        switch (schema.ValueKind)
        {
            case JsonValueKind.True:
                return G.Rule([_json.Value]);
            case JsonValueKind.False:
                return G.Rule();
            case JsonValueKind.Object:
                break;
            default:
                throw Bad(path, "a schema must be an object (or true/false)");
        }

        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in schema.EnumerateObject())
        {
            if (!Keywords.Contains(p.Name) && !Annotations.Contains(p.Name))
            {
                throw EngineException.BadInput(
                    $"The response format's schema uses `{p.Name}` at {path}, which constrained decoding does not support. Supported keywords: {string.Join(", ", Keywords)} (annotations such as title and description are ignored).");
            }

            if (Keywords.Contains(p.Name))
            {
                keys.Add(p.Name);
            }
        }

        if (schema.TryGetProperty("$ref", out var reference))
        {
            if (keys.Count > 1)
            {
                throw Bad(path, "`$ref` cannot be combined with other keywords here; put them in the referenced schema");
            }

            return Ref(reference, path, refDepth);
        }

        var nullable = schema.TryGetProperty("nullable", out var n) && (n.ValueKind == JsonValueKind.True
            || (n.ValueKind != JsonValueKind.False ? throw Bad(path, "`nullable` must be true or false") : false));

        if (schema.TryGetProperty("anyOf", out var anyOf) || schema.TryGetProperty("oneOf", out anyOf))
        {
            var name = schema.TryGetProperty("anyOf", out _) ? "anyOf" : "oneOf";
            if (keys.Except(["anyOf", "oneOf", "nullable"]).Any() || (keys.Contains("anyOf") && keys.Contains("oneOf")))
            {
                throw Bad(path, $"`{name}` cannot be combined with other keywords (such as type) here; put them in each alternative");
            }

            if (anyOf.ValueKind != JsonValueKind.Array || anyOf.GetArrayLength() == 0)
            {
                throw Bad(path, $"`{name}` must be a non-empty list of schemas");
            }

            var rule = G.NewRule();
            var i = 0;
            foreach (var alternative in anyOf.EnumerateArray())
            {
                G.Add(rule, GrammarBuilder.Ref(Schema(alternative, $"{path}/{name}/{i++}", refDepth)));
            }

            if (nullable)
            {
                G.Add(rule, G.Literal("null"));
            }

            return rule;
        }

        if (schema.TryGetProperty("const", out var constant))
        {
            var rule = G.Rule(G.Literal(JsonLiteral.Element(constant)));
            return rule;
        }

        var types = TypesOf(schema, path);
        if (nullable && !types.Contains("null"))
        {
            types.Add("null");
        }

        if (schema.TryGetProperty("enum", out var values))
        {
            if (values.ValueKind != JsonValueKind.Array || values.GetArrayLength() == 0)
            {
                throw Bad(path, "`enum` must be a non-empty list");
            }

            var rule = G.NewRule();
            foreach (var value in values.EnumerateArray())
            {
                if (!keys.Contains("type") || types.Contains(TypeOf(value)) || (TypeOf(value) == "integer" && types.Contains("number")))
                {
                    G.Add(rule, G.Literal(JsonLiteral.Element(value)));
                }
            }

            return rule;
        }

        var alternatives = G.NewRule();
        foreach (var type in types)
        {
            G.Add(alternatives, type switch
            {
                "object" => GrammarBuilder.Ref(Object(schema, path, refDepth)),
                "array" => GrammarBuilder.Ref(Array(schema, path, refDepth)),
                "string" => GrammarBuilder.Ref(String(schema, path)),
                "number" => _json.Number,
                "integer" => _json.Integer,
                "boolean" => GrammarBuilder.Ref(G.Rule(G.Literal("true"), G.Literal("false"))),
                _ => GrammarBuilder.Ref(G.Rule(G.Literal("null"))),
            });
        }

        return alternatives;
    }

    /// <summary>The types a schema allows: its <c>type</c>, else what its keywords imply, else all.</summary>
    private static List<string> TypesOf(JsonElement schema, string path)
    {
        if (schema.TryGetProperty("type", out var type))
        {
            var list = type.ValueKind switch
            {
                JsonValueKind.String => [type.GetString()!],
                JsonValueKind.Array => type.EnumerateArray().Select(t => t.ValueKind == JsonValueKind.String ? t.GetString()! : throw Bad(path, "`type` must be a type name or a list of them")).ToList(),
                _ => throw Bad(path, "`type` must be a type name or a list of them"),
            };
            foreach (var t in list)
            {
                if (!Types.Contains(t))
                {
                    throw Bad(path, $"unknown type \"{t}\" (expected one of {string.Join(", ", Types)})");
                }
            }

            if (list.Contains("number"))
            {
                list.Remove("integer");
            }

            return list.Distinct().ToList();
        }

        if (Has(schema, "properties", "additionalProperties", "required"))
        {
            return ["object"];
        }

        if (Has(schema, "items", "prefixItems", "minItems", "maxItems"))
        {
            return ["array"];
        }

        if (Has(schema, "minLength", "maxLength", "format"))
        {
            return ["string"];
        }

        return ["object", "array", "string", "number", "boolean", "null"];
    }

    private static bool Has(JsonElement schema, params string[] names) => names.Any(n => schema.TryGetProperty(n, out _));

    private static string TypeOf(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => value.TryGetInt64(out _) ? "integer" : "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };

    private int Object(JsonElement schema, string path, int refDepth)
    {
        var required = new HashSet<string>(StringComparer.Ordinal);
        if (schema.TryGetProperty("required", out var req))
        {
            if (req.ValueKind != JsonValueKind.Array || req.EnumerateArray().Any(r => r.ValueKind != JsonValueKind.String))
            {
                throw Bad(path, "`required` must be a list of property names");
            }

            required.UnionWith(req.EnumerateArray().Select(r => r.GetString()!));
        }

        var properties = new List<JsonRules.Property>();
        var hasProperties = schema.TryGetProperty("properties", out var props);
        if (hasProperties)
        {
            if (props.ValueKind != JsonValueKind.Object)
            {
                throw Bad(path, "`properties` must be an object of schemas");
            }

            foreach (var p in props.EnumerateObject())
            {
                var rule = Schema(p.Value, $"{path}/properties/{p.Name}", refDepth);
                properties.Add(new(p.Name, GrammarBuilder.Ref(rule), required.Contains(p.Name)));
            }
        }

        foreach (var name in required)
        {
            if (!properties.Any(p => p.Name == name))
            {
                throw Bad(path, $"`required` names \"{name}\", which is not in `properties`");
            }
        }

        Symbol? extra = null;
        if (schema.TryGetProperty("additionalProperties", out var additional))
        {
            extra = additional.ValueKind switch
            {
                JsonValueKind.False => null,
                JsonValueKind.True => _json.Value,
                JsonValueKind.Object => GrammarBuilder.Ref(Schema(additional, path + "/additionalProperties", refDepth)),
                _ => throw Bad(path, "`additionalProperties` must be true, false or a schema"),
            };
        }
        else if (!hasProperties)
        {
            // {"type": "object"} alone: any object.
            extra = _json.Value;
        }

        var members = _json.Members(properties, 0, extra);
        return G.Rule([G.Byte((byte)'{'), _json.Ws, GrammarBuilder.Ref(members)]);
    }

    private int Array(JsonElement schema, string path, int refDepth)
    {
        var prefix = new List<Symbol>();
        Symbol? rest = _json.Value;
        if (schema.TryGetProperty("prefixItems", out var prefixItems))
        {
            if (prefixItems.ValueKind != JsonValueKind.Array)
            {
                throw Bad(path, "`prefixItems` must be a list of schemas");
            }

            var i = 0;
            foreach (var item in prefixItems.EnumerateArray())
            {
                prefix.Add(GrammarBuilder.Ref(Schema(item, $"{path}/prefixItems/{i++}", refDepth)));
            }
        }

        if (schema.TryGetProperty("items", out var items))
        {
            if (items.ValueKind == JsonValueKind.Array)
            {
                throw Bad(path, "`items` as a list (draft-07 tuples) is not supported; use `prefixItems`");
            }

            rest = items.ValueKind == JsonValueKind.False ? null : GrammarBuilder.Ref(Schema(items, path + "/items", refDepth));
        }

        var min = Count(schema, "minItems", path) ?? 0;
        var max = Count(schema, "maxItems", path);
        if (max < min)
        {
            throw Bad(path, "`maxItems` is below `minItems`");
        }

        var body = _json.Items(prefix, rest, min, max);
        return G.Rule([G.Byte((byte)'['), _json.Ws, GrammarBuilder.Ref(body)]);
    }

    private int String(JsonElement schema, string path)
    {
        var min = Count(schema, "minLength", path);
        var max = Count(schema, "maxLength", path);
        if (min > MaxStringLength || max > MaxStringLength)
        {
            throw Bad(path, $"`minLength`/`maxLength` above {MaxStringLength} are not supported");
        }

        if (max < min)
        {
            throw Bad(path, "`maxLength` is below `minLength`");
        }

        if (schema.TryGetProperty("format", out var format) && format.ValueKind == JsonValueKind.String
            && StringFormats.Build(_json, format.GetString()!) is { } formatted)
        {
            if (min is not null || max is not null)
            {
                throw Bad(path, $"`format` \"{format.GetString()}\" cannot be combined with minLength/maxLength");
            }

            return formatted;
        }

        return min is null && max is null ? G.Rule([_json.String]) : _json.StringOfLength(min ?? 0, max);
    }

    private int Ref(JsonElement reference, string path, int refDepth)
    {
        var pointer = reference.ValueKind == JsonValueKind.String ? reference.GetString()! : throw Bad(path, "`$ref` must be a string");
        if (refDepth >= MaxRefDepth)
        {
            // The recursion is cut here: this branch cannot be taken (pruned when the grammar is built).
            return G.Rule();
        }

        if (_refs.TryGetValue((pointer, refDepth), out var known))
        {
            return known;
        }

        var target = Resolve(pointer, path);
        var rule = G.NewRule();
        _refs[(pointer, refDepth)] = rule;
        G.Add(rule, GrammarBuilder.Ref(Schema(target, pointer, refDepth + 1)));
        return rule;
    }

    private JsonElement Resolve(string pointer, string path)
    {
        if (pointer == "#")
        {
            return _root;
        }

        if (!pointer.StartsWith("#/", StringComparison.Ordinal))
        {
            throw Bad(path, $"`$ref` \"{pointer}\" must point inside this schema (\"#\", \"#/$defs/...\" or \"#/definitions/...\")");
        }

        var current = _root;
        foreach (var raw in pointer[2..].Split('/'))
        {
            var part = raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty(part, out var next))
            {
                current = next;
            }
            else if (current.ValueKind == JsonValueKind.Array && int.TryParse(part, out var index) && index >= 0 && index < current.GetArrayLength())
            {
                current = current[index];
            }
            else
            {
                throw Bad(path, $"`$ref` \"{pointer}\" points to nothing in the schema");
            }
        }

        return current;
    }

    private static int? Count(JsonElement schema, string name, string path)
    {
        if (!schema.TryGetProperty(name, out var v))
        {
            return null;
        }

        return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) && n >= 0
            ? n
            : throw Bad(path, $"`{name}` must be a non-negative integer");
    }

    private static EngineException Bad(string path, string what) =>
        EngineException.BadInput($"The response format's schema is invalid at {path}: {what}.");
}
