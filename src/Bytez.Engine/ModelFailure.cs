namespace Bytez.Engine;

/// <summary>
/// A model folder whose files could not be described (a damaged GGUF, an ONNX file that is not protobuf, a broken
/// manifest, ...): listed as failed instead of being hidden or stopping the server.
/// </summary>
/// <param name="ModelId">The id the folder would serve (<c>org/name</c>).</param>
/// <param name="Path">The folder.</param>
/// <param name="Error">Why it could not be described.</param>
public sealed record ModelFailure(string ModelId, string Path, string Error);
