namespace Bytez.Engine.Generation.Tools;

/// <summary>A function call made by the assistant, in OpenAI's form.</summary>
/// <param name="Id">The call's id, which the tool's answer (a <c>tool</c> message's <c>tool_call_id</c>) refers to.</param>
/// <param name="Name">The function's name.</param>
/// <param name="Arguments">The arguments as JSON text (OpenAI sends and returns them as a string).</param>
public sealed record ChatToolCall(string Id, string Name, string Arguments);
