using System.Text.Json.Serialization;

namespace Bytez.Protocol;

/// <summary>
/// One candidate for a mask of fill-mask: the token, its probability and the text with the mask filled,
/// <c>{score, token, token_str, sequence}</c>.
/// </summary>
public sealed class MaskPrediction
{
    /// <summary>The token's probability at the mask (over the whole vocabulary, also when <c>targets</c> restricts the candidates).</summary>
    [JsonPropertyName("score")]
    public required double Score { get; init; }

    /// <summary>The token's id in the model's vocabulary.</summary>
    [JsonPropertyName("token")]
    public required int Token { get; init; }

    /// <summary>The token decoded alone (byte-level BPE keeps its leading space: <c>" capital"</c>).</summary>
    [JsonPropertyName("token_str")]
    public required string TokenStr { get; init; }

    /// <summary>The input with the mask replaced by the token, decoded.</summary>
    [JsonPropertyName("sequence")]
    public required string Sequence { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"'{TokenStr}' ({Token}) {Score}";
}
