namespace Bytez.Engine.Tasks.PostProcessing;

/// <summary>
/// token-classification post-processing, as transformers 4.57.x <c>TokenClassificationPipeline.postprocess</c>:
/// per window, a max-shifted float32 softmax over the labels of each token; special tokens skipped; the tokens (or,
/// for first/average/max, the words) labelled; for any aggregation, B-/I- grouping WITHOUT an adjacency check;
/// then the labels in <c>ignore_labels</c> filtered out AFTER grouping (so "B-PER O I-PER" is three groups of which
/// the "O" one vanishes). With several windows (<c>stride</c>), overlapping entities are resolved as the pipeline
/// does: sorted by start, the longer one kept, the higher score on equal length.
/// </summary>
public static class TokenClassificationPostProcessor
{
    /// <summary>Labels the tokens of <paramref name="text"/> from the logits of each of its windows.</summary>
    public static TokenClassificationResult Run(
        string text,
        IReadOnlyList<TokenClassificationChunk> chunks,
        TokenClassifierInfo model,
        TokenClassificationParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(chunks);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(parameters);
        var sentence = new PythonString(text);
        var ignore = new HashSet<string>(parameters.IgnoreLabels, StringComparer.Ordinal);
        var tokens = new List<TokenEntity>();
        var groups = new List<GroupedEntity>();
        foreach (var chunk in chunks)
        {
            var pre = GatherPreEntities(sentence, chunk, model);
            if (parameters.Strategy == AggregationStrategy.None)
            {
                foreach (var e in LabelTokens(pre, model))
                {
                    if (!ignore.Contains(e.Label))
                    {
                        tokens.Add(new TokenEntity(e.Label, e.Score, e.Index, e.Word, e.Start, e.End));
                    }
                }
            }
            else
            {
                var entities = parameters.Strategy == AggregationStrategy.Simple
                    ? LabelTokens(pre, model)
                    : AggregateWords(pre, parameters.Strategy, model);
                foreach (var g in GroupEntities(entities, model))
                {
                    if (!ignore.Contains(g.EntityGroup))
                    {
                        groups.Add(g);
                    }
                }
            }
        }

        if (chunks.Count > 1)
        {
            tokens = AggregateOverlapping(tokens, e => (e.Start, e.End, e.Score));
            groups = AggregateOverlapping(groups, g => (g.Start, g.End, g.Score));
        }

        return parameters.Strategy == AggregationStrategy.None
            ? new TokenClassificationResult(tokens, null)
            : new TokenClassificationResult(null, groups);
    }

    /// <summary>A token with its probabilities, before labelling (<c>gather_pre_entities</c>).</summary>
    private sealed record PreEntity(string Word, float[] Scores, int Start, int End, int Index, bool IsSubword);

    /// <summary>A labelled token or word, before grouping; <see cref="Score"/> is float32.</summary>
    private sealed record Entity(string Label, float Score, int Index, string Word, int Start, int End);

    private static List<PreEntity> GatherPreEntities(PythonString sentence, TokenClassificationChunk chunk, TokenClassifierInfo model)
    {
        var count = chunk.Tokens.Count;
        var labels = model.Labels.Count;
        if (labels == 0 || chunk.Logits.Length != count * labels)
        {
            throw EngineException.NotSupported(
                $"The model's logits ({chunk.Logits.Length} values for {count} tokens) do not match the {labels} labels of its config.json id2label.");
        }

        var pre = new List<PreEntity>(count);
        var logits = chunk.Logits.Span;
        for (var idx = 0; idx < count; idx++)
        {
            var token = chunk.Tokens[idx];
            if (token.IsSpecial)
            {
                continue;
            }

            var scores = new float[labels];
            Float32Math.SoftmaxShifted(logits.Slice(idx * labels, labels), scores);
            var word = token.Token;
            var wordRef = sentence.Slice(token.Start, token.End);
            bool isSubword;
            if (model.HasContinuingSubwordPrefix)
            {
                // A word-aware model: a subword's string carries the prefix, so it is longer than its text.
                isSubword = PythonString.CodePointLength(word) != PythonString.CodePointLength(wordRef);
            }
            else
            {
                // The fallback heuristic: a subword when neither the character before it nor its first is a space.
                isSubword = token.Start > 0 && !sentence.Slice(token.Start - 1, token.Start + 1).Contains(' ', StringComparison.Ordinal);
            }

            if (token.Id == model.UnknownTokenId)
            {
                word = wordRef;
                isSubword = false;
            }

            pre.Add(new PreEntity(word, scores, token.Start, token.End, idx, isSubword));
        }

        return pre;
    }

    private static List<Entity> LabelTokens(List<PreEntity> pre, TokenClassifierInfo model)
    {
        var entities = new List<Entity>(pre.Count);
        foreach (var p in pre)
        {
            var best = Float32Math.ArgMax(p.Scores);
            entities.Add(new Entity(model.Labels[best], p.Scores[best], p.Index, p.Word, p.Start, p.End));
        }

        return entities;
    }

    /// <summary>Groups tokens into words (a token starts a word unless it is a subword) and labels each word.</summary>
    private static List<Entity> AggregateWords(List<PreEntity> pre, AggregationStrategy strategy, TokenClassifierInfo model)
    {
        var words = new List<Entity>();
        var group = new List<PreEntity>();
        foreach (var p in pre)
        {
            if (group.Count > 0 && !p.IsSubword)
            {
                words.Add(AggregateWord(group, strategy, model));
                group.Clear();
            }

            group.Add(p);
        }

        if (group.Count > 0)
        {
            words.Add(AggregateWord(group, strategy, model));
        }

        return words;
    }

    private static Entity AggregateWord(List<PreEntity> tokens, AggregationStrategy strategy, TokenClassifierInfo model)
    {
        var word = model.ConvertTokensToString([.. tokens.Select(t => t.Word)]);
        int label;
        float score;
        switch (strategy)
        {
            case AggregationStrategy.First:
                label = Float32Math.ArgMax(tokens[0].Scores);
                score = tokens[0].Scores[label];
                break;
            case AggregationStrategy.Max:
                {
                    // Python's max(): the first token whose top probability is the largest.
                    var winner = tokens[0];
                    var winnerMax = Float32Math.Max(winner.Scores);
                    foreach (var t in tokens.Skip(1))
                    {
                        var m = Float32Math.Max(t.Scores);
                        if (m > winnerMax)
                        {
                            winner = t;
                            winnerMax = m;
                        }
                    }

                    label = Float32Math.ArgMax(winner.Scores);
                    score = winner.Scores[label];
                    break;
                }

            case AggregationStrategy.Average:
                {
                    // np.nanmean(stack, axis=0): each label's column summed token after token in float32.
                    var labels = tokens[0].Scores.Length;
                    var average = new float[labels];
                    for (var j = 0; j < labels; j++)
                    {
                        var sum = 0f;
                        var n = 0;
                        foreach (var t in tokens)
                        {
                            if (!float.IsNaN(t.Scores[j]))
                            {
                                sum += t.Scores[j];
                                n++;
                            }
                        }

                        average[j] = n == 0 ? float.NaN : sum / n;
                    }

                    label = Float32Math.ArgMax(average);
                    score = average[label];
                    break;
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(strategy), strategy, "Not a word aggregation.");
        }

        return new Entity(model.Labels[label], score, tokens[0].Index, word, tokens[0].Start, tokens[^1].End);
    }

    /// <summary>
    /// <c>group_entities</c>: an entity joins the open group when its tag equals the group's last tag and it is not a
    /// B- (labels without a B-/I- prefix count as I-); positions are not compared.
    /// </summary>
    private static List<GroupedEntity> GroupEntities(List<Entity> entities, TokenClassifierInfo model)
    {
        var groups = new List<GroupedEntity>();
        var open = new List<Entity>();
        foreach (var e in entities)
        {
            if (open.Count == 0)
            {
                open.Add(e);
                continue;
            }

            var (bi, tag) = GetTag(e.Label);
            var (_, lastTag) = GetTag(open[^1].Label);
            if (tag == lastTag && bi != 'B')
            {
                open.Add(e);
            }
            else
            {
                groups.Add(GroupSubEntities(open, model));
                open = [e];
            }
        }

        if (open.Count > 0)
        {
            groups.Add(GroupSubEntities(open, model));
        }

        return groups;
    }

    private static (char Bi, string Tag) GetTag(string label) =>
        label.StartsWith("B-", StringComparison.Ordinal) ? ('B', label[2..])
        : label.StartsWith("I-", StringComparison.Ordinal) ? ('I', label[2..])
        : ('I', label);

    private static GroupedEntity GroupSubEntities(List<Entity> members, TokenClassifierInfo model)
    {
        // Python's label.split("-", 1)[-1]: everything after the first hyphen, or the whole label.
        var first = members[0].Label;
        var hyphen = first.IndexOf('-', StringComparison.Ordinal);
        var tag = hyphen < 0 ? first : first[(hyphen + 1)..];
        var scores = members.Select(m => m.Score).ToArray();
        var word = model.ConvertTokensToString([.. members.Select(m => m.Word)]);
        return new GroupedEntity(tag, Float32Math.NanMean(scores), word, members[0].Start, members[^1].End);
    }

    /// <summary>
    /// <c>aggregate_overlapping_entities</c>: stable sort by start; an entity starting inside the kept one replaces it
    /// when longer, or as long and more confident.
    /// </summary>
    private static List<T> AggregateOverlapping<T>(List<T> entities, Func<T, (int Start, int End, double Score)> span)
    {
        if (entities.Count == 0)
        {
            return entities;
        }

        var sorted = entities.OrderBy(e => span(e).Start).ToList();
        var kept = new List<T>();
        var previous = sorted[0];
        foreach (var entity in sorted)
        {
            var (s, e, score) = span(entity);
            var (ps, pe, pscore) = span(previous);
            if (ps <= s && s < pe)
            {
                var length = e - s;
                var previousLength = pe - ps;
                if (length > previousLength || (length == previousLength && score > pscore))
                {
                    previous = entity;
                }
            }
            else
            {
                kept.Add(previous);
                previous = entity;
            }
        }

        kept.Add(previous);
        return kept;
    }
}
