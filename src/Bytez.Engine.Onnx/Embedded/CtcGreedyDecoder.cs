using System.Text;

namespace Bytez.Engine.Onnx.Embedded;

/// <summary>
/// PaddleOCR's <c>CTCLabelDecode</c>: the most probable class of each time step, repeats merged, blanks (class 0)
/// dropped; classes are <c>blank</c>, the dictionary's lines, then a space. The score is the mean probability of the
/// kept steps (0 when none is kept).
/// </summary>
public sealed class CtcGreedyDecoder
{
    private readonly string[] _characters;

    /// <summary>A decoder over the dictionary's characters (one per line), with the space appended.</summary>
    public CtcGreedyDecoder(IEnumerable<string> dictionary)
    {
        ArgumentNullException.ThrowIfNull(dictionary);
        _characters = ["blank", .. dictionary, " "];
    }

    /// <summary>The number of classes (blank, the dictionary, the space).</summary>
    public int ClassCount => _characters.Length;

    /// <summary>Reads a dictionary file: one character per line, line ends removed.</summary>
    public static CtcGreedyDecoder FromFile(string path)
    {
        var lines = File.ReadAllText(path, Encoding.UTF8).Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        if (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        return new CtcGreedyDecoder(lines);
    }

    /// <summary>Decodes one sequence of <paramref name="steps"/> × <see cref="ClassCount"/> probabilities.</summary>
    public (string Text, float Score) Decode(ReadOnlySpan<float> probabilities, int steps)
    {
        if (probabilities.Length != (long)steps * _characters.Length)
        {
            throw EngineException.BadInput($"The recognizer gave {probabilities.Length} values for {steps} steps of {_characters.Length} classes.");
        }

        var text = new StringBuilder();
        double sum = 0;
        var kept = 0;
        var previous = -1;
        for (var t = 0; t < steps; t++)
        {
            var row = probabilities.Slice(t * _characters.Length, _characters.Length);
            var best = 0;
            for (var c = 1; c < row.Length; c++)
            {
                if (row[c] > row[best])
                {
                    best = c;
                }
            }

            if (best != 0 && best != previous)
            {
                text.Append(_characters[best]);
                sum += row[best];
                kept++;
            }

            previous = best;
        }

        return (text.ToString(), kept == 0 ? 0f : (float)(sum / kept));
    }
}
