namespace Bytez.Engine.Onnx.Embedded;

/// <summary>A point in image pixels.</summary>
/// <param name="X">From the left edge.</param>
/// <param name="Y">From the top edge.</param>
public readonly record struct OcrPoint(float X, float Y);

/// <summary>One line of text the OCR read.</summary>
/// <param name="Text">The characters read.</param>
/// <param name="Score">The mean probability of the characters (CTC greedy decoding).</param>
/// <param name="Box">The corners of the line in the image: top-left, top-right, bottom-right, bottom-left.</param>
public sealed record OcrLine(string Text, float Score, IReadOnlyList<OcrPoint> Box);
