using System.Text;
using System.Text.Json;
using Bytez.Engine.Generation.Constraints;

namespace Bytez.Engine.Tests.Generation.Constraints;

/// <summary><see cref="GrammarMatcher"/> over the JSON grammars: accepted and rejected texts, checked against System.Text.Json and JsonSchema.Net.</summary>
public sealed class GrammarMatcherTests
{
    internal static bool Matches(CompiledGrammar grammar, string text)
    {
        var matcher = new GrammarMatcher(grammar);
        return matcher.TryAdvance(text) && matcher.IsComplete;
    }

    internal static CompiledGrammar Schema(string schema)
    {
        using var document = JsonDocument.Parse(schema, new JsonDocumentOptions { MaxDepth = 512 });
        return GrammarPattern.JsonSchema(document.RootElement).Compile();
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"a\":1}")]
    [InlineData(" { \"a\" : [1, 2.5e3, -0, true, false, null, \"x\\n\\u00e9\\\"\"] }\n")]
    [InlineData("{\"a\":{\"b\":{\"c\":[[],{}]}},\"d\":-12.75E-3}")]
    [InlineData("{\"é\":\"日本語 😀\",\"\\\\\":\"\\/\"}")]
    [InlineData("{\n  \"key\": \"value\",\n  \"list\": [\n    1,\n    2\n  ]\n}")]
    public void JsonObject_ValidObjects_Match(string text)
    {
        Assert.True(SchemaOracle.Valid(null, text));
        Assert.True(Matches(GrammarPattern.JsonObject().Compile(), text));
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("1")]
    [InlineData("\"text\"")]
    [InlineData("{")]
    [InlineData("{\"a\":}")]
    [InlineData("{\"a\":01}")]
    [InlineData("{\"a\":1,}")]
    [InlineData("{'a':1}")]
    [InlineData("{\"a\":\"\u0001\"}")]
    [InlineData("{\"a\":tru}")]
    [InlineData("{\"a\":1.}")]
    [InlineData("{\"a\":-}")]
    [InlineData("{\"a\":\"\\x\"}")]
    [InlineData("{\"a\" 1}")]
    [InlineData("{} {}")]
    [InlineData("{\"a\":[1 2]}")]
    public void JsonObject_InvalidTexts_DoNotMatch(string text)
    {
        Assert.False(SchemaOracle.Valid(null, text) && text.TrimStart().StartsWith('{'));
        Assert.False(Matches(GrammarPattern.JsonObject().Compile(), text));
    }

    [Fact]
    public void JsonObject_InvalidUtf8_Rejected()
    {
        var matcher = new GrammarMatcher(GrammarPattern.JsonObject().Compile());
        Assert.True(matcher.TryAdvance("{\"a\":\""u8));

        Assert.False(matcher.Allows([0xC0, 0x80]));      // overlong
        Assert.False(matcher.Allows([0xED, 0xA0, 0x80])); // surrogate
        Assert.False(matcher.Allows([0xF5]));
        Assert.True(matcher.Allows([0xE2, 0x82, 0xAC]));  // €
        Assert.True(matcher.TryAdvance([0xE2, 0x82]));    // a character split across tokens
        Assert.False(matcher.Allows("\""u8));
        Assert.True(matcher.TryAdvance([0xAC]));
        Assert.True(matcher.TryAdvance("\"}"u8));
        Assert.True(matcher.IsComplete);
    }

    [Fact]
    public void Whitespace_RunsAreBounded()
    {
        var grammar = GrammarPattern.JsonObject().Compile();
        var matcher = new GrammarMatcher(grammar);
        Assert.True(matcher.TryAdvance("{"));
        var spaces = 0;
        while (matcher.TryAdvance(" "))
        {
            spaces++;
            Assert.True(spaces <= 1000);
        }

        Assert.Equal(24, spaces);
        Assert.True(matcher.TryAdvance("}"));
    }

    [Fact]
    public void Numbers_DigitRunsAreBounded()
    {
        var matcher = new GrammarMatcher(GrammarPattern.JsonObject().Compile());
        Assert.True(matcher.TryAdvance("{\"a\":1"));
        var digits = 1;
        while (matcher.TryAdvance("1"))
        {
            digits++;
            Assert.True(digits < 1000);
        }

        Assert.Equal(18, digits);
    }

    [Fact]
    public void Complete_OnlyAtTheEndOfTheValue()
    {
        var matcher = new GrammarMatcher(GrammarPattern.JsonObject().Compile());
        Assert.False(matcher.IsComplete);
        Assert.True(matcher.TryAdvance("{\"a\":[1]"));
        Assert.False(matcher.IsComplete);
        Assert.True(matcher.TryAdvance("}"));
        Assert.True(matcher.IsComplete);
        Assert.True(matcher.CanContinue); // trailing whitespace
        Assert.False(matcher.TryAdvance("x"));
        Assert.True(matcher.IsComplete);
    }

    public static TheoryData<string, string> SchemaCases => new()
    {
        // properties in schema order; required and optional ones
        { """{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string"}},"required":["a"],"additionalProperties":false}""", """{"a":1,"b":"x"}""" },
        { """{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string"}},"required":["a"],"additionalProperties":false}""", """{"a":1}""" },
        { """{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string"}},"required":["a"],"additionalProperties":false}""", """{"b":"x"}""" },
        { """{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string"}},"required":["a"],"additionalProperties":false}""", """{"a":1,"c":2}""" },
        { """{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string"}},"required":["a","b"]}""", """{ "a" : -5 , "b" : "" }""" },
        { """{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string"}},"required":["a","b"]}""", """{"a":1.5,"b":""}""" },
        { """{"type":"object","properties":{"a":{"type":"integer"}},"required":[]}""", """{}""" },
        { """{"type":"object","properties":{"a":{"type":"integer"}},"additionalProperties":{"type":"boolean"}}""", """{"a":1,"x":true,"y":false}""" },
        { """{"type":"object","properties":{"a":{"type":"integer"}},"additionalProperties":{"type":"boolean"}}""", """{"a":1,"x":3}""" },
        { """{"type":"object"}""", """{"anything":[1,{"b":null}]}""" },
        // types and lists of types, nullable
        { """{"type":"number"}""", "3.25e-2" },
        { """{"type":"number"}""", "\"3\"" },
        { """{"type":"integer"}""", "42" },
        { """{"type":"integer"}""", "4.2" },
        { """{"type":"boolean"}""", "true" },
        { """{"type":"null"}""", "null" },
        { """{"type":["string","null"]}""", "null" },
        { """{"type":["string","null"]}""", "\"s\"" },
        { """{"type":["string","null"]}""", "0" },
        { """{"type":"array","items":{"type":"integer"}}""", "[1, 2, 3]" },
        { """{"type":"array","items":{"type":"integer"}}""", "[]" },
        { """{"type":"array","items":{"type":"integer"}}""", "[1, \"2\"]" },
        // enum and const
        { """{"enum":["red","green",3,null,{"a":[1]}]}""", "\"green\"" },
        { """{"enum":["red","green",3,null,{"a":[1]}]}""", "3" },
        { """{"enum":["red","green",3,null,{"a":[1]}]}""", "{\"a\":[1]}" },
        { """{"enum":["red","green",3,null,{"a":[1]}]}""", "\"blue\"" },
        { """{"enum":["a","ab","abc"]}""", "\"ab\"" },
        { """{"enum":["a","ab","abc"]}""", "\"abcd\"" },
        { """{"const":"fixed"}""", "\"fixed\"" },
        { """{"const":"fixed"}""", "\"other\"" },
        // arrays: prefixItems, minItems, maxItems
        { """{"type":"array","prefixItems":[{"type":"string"},{"type":"integer"}],"items":false}""", "[\"a\", 1]" },
        { """{"type":"array","prefixItems":[{"type":"string"},{"type":"integer"}],"items":false}""", "[\"a\", 1, 2]" },
        { """{"type":"array","prefixItems":[{"type":"string"},{"type":"integer"}],"items":false}""", "[\"a\"]" },
        { """{"type":"array","prefixItems":[{"type":"string"}],"items":{"type":"boolean"}}""", "[\"a\", true, false]" },
        { """{"type":"array","items":{"type":"integer"},"minItems":2,"maxItems":3}""", "[1,2]" },
        { """{"type":"array","items":{"type":"integer"},"minItems":2,"maxItems":3}""", "[1,2,3]" },
        { """{"type":"array","items":{"type":"integer"},"minItems":2,"maxItems":3}""", "[1]" },
        { """{"type":"array","items":{"type":"integer"},"minItems":2,"maxItems":3}""", "[1,2,3,4]" },
        { """{"type":"array","items":{"type":"integer"},"minItems":2}""", "[1,2,3,4,5,6]" },
        // anyOf / oneOf
        { """{"anyOf":[{"type":"integer"},{"type":"object","properties":{"k":{"type":"string"}},"required":["k"],"additionalProperties":false}]}""", "{\"k\":\"v\"}" },
        { """{"anyOf":[{"type":"integer"},{"type":"object","properties":{"k":{"type":"string"}},"required":["k"],"additionalProperties":false}]}""", "7" },
        { """{"anyOf":[{"type":"integer"},{"type":"object","properties":{"k":{"type":"string"}},"required":["k"],"additionalProperties":false}]}""", "\"7\"" },
        { """{"oneOf":[{"type":"boolean"},{"type":"null"}]}""", "null" },
        // string lengths (in characters)
        { """{"type":"string","minLength":2,"maxLength":3}""", "\"ab\"" },
        { """{"type":"string","minLength":2,"maxLength":3}""", "\"a😀é\"" },
        { """{"type":"string","minLength":2,"maxLength":3}""", "\"a\\u00e9\"" },
        { """{"type":"string","minLength":2,"maxLength":3}""", "\"a\"" },
        { """{"type":"string","minLength":2,"maxLength":3}""", "\"abcd\"" },
        // formats
        { """{"type":"string","format":"date"}""", "\"2024-02-28\"" },
        { """{"type":"string","format":"date"}""", "\"2024-04-31\"" },
        { """{"type":"string","format":"date"}""", "\"2024-13-01\"" },
        { """{"type":"string","format":"date-time"}""", "\"2024-05-06T07:08:09Z\"" },
        { """{"type":"string","format":"date-time"}""", "\"2024-05-06T07:08:09.123+02:00\"" },
        { """{"type":"string","format":"date-time"}""", "\"2024-05-06 07:08:09\"" },
        { """{"type":"string","format":"uuid"}""", "\"123e4567-e89b-12d3-a456-426614174000\"" },
        { """{"type":"string","format":"uuid"}""", "\"123e4567e89b12d3a456426614174000\"" },
        // $ref into $defs and definitions
        { """{"$defs":{"p":{"type":"object","properties":{"x":{"type":"number"}},"required":["x"],"additionalProperties":false}},"type":"array","items":{"$ref":"#/$defs/p"}}""", "[{\"x\":1},{\"x\":2.5}]" },
        { """{"$defs":{"p":{"type":"object","properties":{"x":{"type":"number"}},"required":["x"],"additionalProperties":false}},"type":"array","items":{"$ref":"#/$defs/p"}}""", "[{\"y\":1}]" },
        { """{"$schema":"http://json-schema.org/draft-07/schema#","definitions":{"n":{"type":"integer"}},"type":"object","properties":{"a":{"$ref":"#/definitions/n"}},"required":["a"],"additionalProperties":false}""", "{\"a\":3}" },
        // recursion within the depth bound
        { """{"$defs":{"node":{"type":"object","properties":{"v":{"type":"integer"},"kids":{"type":"array","items":{"$ref":"#/$defs/node"}}},"required":["v","kids"],"additionalProperties":false}},"$ref":"#/$defs/node"}""", "{\"v\":1,\"kids\":[{\"v\":2,\"kids\":[{\"v\":3,\"kids\":[]}]},{\"v\":4,\"kids\":[]}]}" },
        { """{"$defs":{"node":{"type":"object","properties":{"v":{"type":"integer"},"kids":{"type":"array","items":{"$ref":"#/$defs/node"}}},"required":["v","kids"],"additionalProperties":false}},"$ref":"#/$defs/node"}""", "{\"v\":1,\"kids\":[{\"v\":2}]}" },
        // annotations are ignored
        { """{"title":"T","description":"D","type":"object","properties":{"a":{"type":"string","description":"the a","examples":["x"]}},"required":["a"],"additionalProperties":false}""", "{\"a\":\"x\"}" },
        // escaped keys
        { """{"type":"object","properties":{"a\"b":{"type":"integer"}},"required":["a\"b"],"additionalProperties":false}""", "{\"a\\\"b\":1}" },
    };

    [Theory]
    [MemberData(nameof(SchemaCases))]
    public void JsonSchema_MatchesExactlyWhatTheValidatorAccepts(string schema, string instance)
    {
        Assert.Equal(SchemaOracle.Valid(schema, instance), Matches(Schema(schema), instance));
    }

    [Fact]
    public void Nullable_AddsNull()
    {
        var grammar = Schema("""{"type":"integer","nullable":true}""");

        Assert.True(Matches(grammar, "null"));
        Assert.True(Matches(grammar, "5"));
        Assert.False(Matches(grammar, "\"5\""));
    }

    [Fact]
    public void Recursion_CutAtTheDepthBound()
    {
        var grammar = Schema("""{"$defs":{"n":{"type":"object","properties":{"next":{"$ref":"#/$defs/n"}},"additionalProperties":false}},"$ref":"#/$defs/n"}""");
        string Nested(int depth) => depth == 0 ? "{}" : "{\"next\":" + Nested(depth - 1) + "}";

        Assert.True(Matches(grammar, Nested(GrammarPattern.MaxRefDepth - 1)));
        Assert.False(Matches(grammar, Nested(GrammarPattern.MaxRefDepth)));
    }

    [Fact]
    public void Properties_AreWrittenInSchemaOrder()
    {
        var grammar = Schema("""{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"}},"required":["a","b"],"additionalProperties":false}""");

        Assert.True(Matches(grammar, "{\"a\":1,\"b\":2}"));
        Assert.False(Matches(grammar, "{\"b\":2,\"a\":1}"));
    }

    [Fact]
    public void ToolCall_LiteralPrefixArgumentsSuffix()
    {
        using var schema = JsonDocument.Parse("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}""");
        var grammar = GrammarPattern.ToolCall("<tool_call>\n{\"name\": \"weather\", \"arguments\": ", schema.RootElement, "}\n</tool_call>").Compile();

        Assert.True(Matches(grammar, "<tool_call>\n{\"name\": \"weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>"));
        Assert.False(Matches(grammar, "<tool_call>\n{\"name\": \"weather\", \"arguments\": {\"town\": \"Paris\"}}\n</tool_call>"));
        Assert.False(Matches(grammar, "<tool_call>\n{\"name\": \"other\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>"));
        Assert.False(Matches(grammar, "<tool_call>\n{\"name\": \"weather\", \"arguments\": {\"city\": \"Paris\"}}"));
    }

    [Theory]
    [InlineData("""{"type":"string","pattern":"^a+$"}""", "pattern")]
    [InlineData("""{"type":"integer","minimum":0}""", "minimum")]
    [InlineData("""{"allOf":[{"type":"string"}]}""", "allOf")]
    [InlineData("""{"type":"object","patternProperties":{"a":{}}}""", "patternProperties")]
    [InlineData("""{"type":"array","uniqueItems":true}""", "uniqueItems")]
    public void UnsupportedKeyword_BadInputNamingIt(string schema, string keyword)
    {
        var e = Assert.Throws<EngineException>(() => Schema(schema));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains($"`{keyword}`", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"type":"object","properties":{"a":{"type":"integer"}},"required":["b"]}""", "\"b\"")]
    [InlineData("""{"type":"strng"}""", "strng")]
    [InlineData("""{"$ref":"#/$defs/missing"}""", "missing")]
    [InlineData("""{"$ref":"https://example.com/s.json"}""", "inside this schema")]
    [InlineData("""{"type":"array","minItems":3,"maxItems":2}""", "maxItems")]
    [InlineData("""{"type":"string","maxLength":1000000}""", "maxLength")]
    [InlineData("""{"$defs":{"n":{"$ref":"#/$defs/n"}},"$ref":"#/$defs/n"}""", "No text can satisfy")]
    public void InvalidSchema_BadInputSayingWhy(string schema, string mention)
    {
        var e = Assert.Throws<EngineException>(() => Schema(schema));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains(mention, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HugeSchema_RefusedBeforeCompiling()
    {
        var properties = string.Join(",", Enumerable.Range(0, 30_000).Select(i => $"\"p{i}\":{{}}"));
        var e = Assert.Throws<EngineException>(() => Schema($"{{\"type\":\"object\",\"properties\":{{{properties}}}}}"));

        Assert.Contains("too large", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DeepSchema_Refused()
    {
        var schema = new StringBuilder();
        for (var i = 0; i < 100; i++)
        {
            schema.Append("{\"type\":\"array\",\"items\":");
        }

        schema.Append("{}").Append('}', 100);
        Assert.Throws<EngineException>(() => Schema(schema.ToString()));
    }
}
