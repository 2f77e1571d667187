using System.Text.Json;

namespace Bytez.Engine.Generation.Tools;

/// <summary>A function the model may call, read from a request's <c>tools</c> (OpenAI's form).</summary>
/// <param name="Name">The function's name.</param>
/// <param name="Description">What the function does, when given.</param>
/// <param name="Parameters">The JSON schema of the arguments object, when given.</param>
/// <param name="Definition">
/// The whole <c>{"type": "function", "function": {...}}</c> object as the client sent it: what the chat template's
/// <c>tools</c> variable holds, as transformers passes it.
/// </param>
public sealed record ChatTool(string Name, string? Description, JsonElement? Parameters, JsonElement Definition);
