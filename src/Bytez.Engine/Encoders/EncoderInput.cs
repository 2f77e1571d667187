namespace Bytez.Engine.Encoders;

/// <summary>
/// One row for an encoder: token ids with their attention mask and token type ids (all int64, one per token, the
/// row's own length; padding is the runtime's business). The runtime feeds exactly the inputs the model asks for.
/// </summary>
public sealed class EncoderInput
{
    /// <summary>A row of ids with an all-ones attention mask and, when <paramref name="tokenTypeIds"/> is null, type ids 0.</summary>
    public EncoderInput(long[] inputIds, long[]? tokenTypeIds = null, long[]? attentionMask = null)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        if (tokenTypeIds is not null && tokenTypeIds.Length != inputIds.Length)
        {
            throw new ArgumentException("The token type ids differ in length from the input ids.", nameof(tokenTypeIds));
        }

        if (attentionMask is not null && attentionMask.Length != inputIds.Length)
        {
            throw new ArgumentException("The attention mask differs in length from the input ids.", nameof(attentionMask));
        }

        InputIds = inputIds;
        TokenTypeIds = tokenTypeIds ?? new long[inputIds.Length];
        AttentionMask = attentionMask ?? Ones(inputIds.Length);
    }

    /// <summary>The token ids.</summary>
    public long[] InputIds { get; }

    /// <summary>1 for tokens the model attends to.</summary>
    public long[] AttentionMask { get; }

    /// <summary>The segment of each token (0 for the first text, 1 for the second of a pair).</summary>
    public long[] TokenTypeIds { get; }

    /// <summary>The row's length in tokens.</summary>
    public int Length => InputIds.Length;

    /// <summary>A row from an encoding's int ids (and type ids).</summary>
    public static EncoderInput From(ReadOnlySpan<int> ids, ReadOnlySpan<int> typeIds = default)
    {
        var input = new long[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            input[i] = ids[i];
        }

        long[]? types = null;
        if (!typeIds.IsEmpty)
        {
            types = new long[typeIds.Length];
            for (var i = 0; i < typeIds.Length; i++)
            {
                types[i] = typeIds[i];
            }
        }

        return new EncoderInput(input, types);
    }

    private static long[] Ones(int length)
    {
        var ones = new long[length];
        Array.Fill(ones, 1L);
        return ones;
    }
}
