namespace Bytez.Engine.Media;

/// <summary>
/// The encoded bytes of one media input of a run request, as sent (never decoded here: the decoders sniff the format),
/// and where they came from, for messages: <c>`url` (https://example.org/cat.png)</c>, <c>`base64`</c>,
/// <c>`input[1].base64`</c>.
/// </summary>
/// <param name="Data">The encoded bytes (a PNG, a WAV, ...).</param>
/// <param name="Source">Where they came from, for messages.</param>
public sealed record MediaInput(byte[] Data, string Source);

/// <summary>The media inputs of a request that may hold several (<c>input</c> as a list), in order.</summary>
/// <param name="Items">The inputs, in request order.</param>
/// <param name="Single">Whether one input was sent rather than a list (the answer is then not wrapped in a list).</param>
public sealed record MediaInputs(IReadOnlyList<MediaInput> Items, bool Single);
