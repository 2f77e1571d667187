using System.Buffers;
using System.Text.Json;
using Bytez.Engine;
using Bytez.Engine.Tasks;

namespace Bytez.Server.Mcp;

/// <summary>
/// The arguments of one tool call as one JSON object, read with the engine's readers (<see cref="Arguments"/>): an
/// argument the tool does not take, or a value of the wrong type, is refused with the message every task gives.
/// </summary>
public sealed class ToolArguments
{
    private ToolArguments(JsonElement all) => All = all;

    /// <summary>Every argument, as one JSON object.</summary>
    public JsonElement All { get; }

    /// <summary>Collects the call's arguments and refuses any whose name is not in <paramref name="names"/>.</summary>
    /// <exception cref="EngineException">An unknown argument (BadInput, naming the ones the tool takes).</exception>
    public static ToolArguments Read(IDictionary<string, JsonElement>? arguments, string tool, IReadOnlyCollection<string> names)
    {
        var all = ToObject(arguments ?? new Dictionary<string, JsonElement>());
        Arguments.Parameters(all, names, $"the tool {tool}");
        return new ToolArguments(all);
    }

    /// <summary>A string argument, or <see langword="null"/> when absent or null.</summary>
    /// <exception cref="EngineException">Not a string (BadInput).</exception>
    public string? String(string name) =>
        All.TryGetProperty(name, out var value) ? Arguments.String(value, name) : null;

    /// <summary>A string argument that must be there; <paramref name="expected"/> says what it holds, for the message.</summary>
    /// <exception cref="EngineException">Absent, empty or not a string (BadInput).</exception>
    public string Required(string name, string expected) =>
        String(name) is { Length: > 0 } value
            ? value
            : throw EngineException.BadInput($"Argument `{name}` is required: {expected}.");

    /// <summary>Every argument but <paramref name="name"/>, as a JSON object (a run request's body without its model id).</summary>
    public JsonElement Without(string name) =>
        ToObject(All.EnumerateObject().Where(p => p.Name != name).Select(p => KeyValuePair.Create(p.Name, p.Value)));

    private static JsonElement ToObject(IEnumerable<KeyValuePair<string, JsonElement>> arguments)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in arguments)
            {
                writer.WritePropertyName(name);
                value.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }
}
