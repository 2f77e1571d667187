namespace Bytez.Engine.Generation;

/// <summary>
/// A model-specific logits processor run after the generic ones (<see cref="LogitsProcessors"/>), as transformers
/// appends a model's own processors (Whisper's timestamp rules) to the list <c>generate</c> builds.
/// </summary>
public interface ILogitsProcessor
{
    /// <summary>Changes <paramref name="scores"/> (one row of logits or log-probabilities) in place.</summary>
    /// <param name="scores">The scores of the next token.</param>
    /// <param name="tokens">Every token of the row so far, prompt (or decoder start token) included.</param>
    void Apply(Span<float> scores, IReadOnlyList<int> tokens);
}
