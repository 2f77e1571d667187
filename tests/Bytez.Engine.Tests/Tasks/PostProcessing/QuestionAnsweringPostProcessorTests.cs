using Bytez.Engine.Tasks.PostProcessing;

namespace Bytez.Engine.Tests.Tasks.PostProcessing;

/// <summary>
/// <see cref="QuestionAnsweringPostProcessor"/> against transformers 4.57's question-answering pipeline, on hand-made
/// windows whose start/end logits are 0 except chosen tokens, so each probability is exp(x − max) / Σ with the sum
/// taken as numpy takes it (12 values: eight running sums, then the rest one by one).
/// </summary>
public sealed class QuestionAnsweringPostProcessorTests
{
    private const string Context = "it is in paris , france .";

    private static EncodedToken Special(int id) => new(id, id == 101 ? "[CLS]" : "[SEP]", 0, 0, IsSpecial: true);

    /// <summary>[CLS] where ? [SEP] it is in paris , france . [SEP] — positions 0..11.</summary>
    private static readonly EncodedToken[] Tokens =
    [
        Special(101),
        new(1, "where", 0, 5, WordId: 0, SequenceId: 0),
        new(2, "?", 6, 7, WordId: 1, SequenceId: 0),
        Special(102),
        new(3, "it", 0, 2, WordId: 0, SequenceId: 1),
        new(4, "is", 3, 5, WordId: 1, SequenceId: 1),
        new(5, "in", 6, 8, WordId: 2, SequenceId: 1),
        new(6, "paris", 9, 14, WordId: 3, SequenceId: 1),
        new(7, ",", 15, 16, WordId: 4, SequenceId: 1),
        new(8, "france", 17, 23, WordId: 5, SequenceId: 1),
        new(9, ".", 24, 25, WordId: 6, SequenceId: 1),
        Special(102),
    ];

    private static readonly bool[] IsContextOrCls = [true, false, false, false, true, true, true, true, true, true, true, false];

    /// <summary>Start: "where" 20 (a question token: ignored), paris 8, in 6. End: france 8, paris 4.</summary>
    private static float[] StartLogits(float cls = 0f) => [cls, 20f, 0, 0, 0, 0, 6f, 8f, 0, 0, 0, 0];

    private static float[] EndLogits(float cls = 0f) => [cls, 0, 0, 0, 0, 0, 0, 4f, 0, 8f, 0, 0];

    /// <summary>numpy's float32 softmax of 12 logits after masking: pairwise sum of eight, then four one by one.</summary>
    private static float[] Probabilities(float[] logits)
    {
        var x = new float[12];
        for (var i = 0; i < 12; i++)
        {
            x[i] = IsContextOrCls[i] ? logits[i] : -10000f;
        }

        var max = x.Max();
        var e = x.Select(v => MathF.Exp(v - max)).ToArray();
        var sum = ((e[0] + e[1]) + (e[2] + e[3])) + ((e[4] + e[5]) + (e[6] + e[7]));
        sum = sum + e[8] + e[9] + e[10] + e[11];
        return [.. e.Select(v => v / sum)];
    }

    private static IReadOnlyList<QuestionAnsweringAnswer> Run(QuestionAnsweringParameters parameters, float cls = 0f) =>
        QuestionAnsweringPostProcessor.Run(
            Context,
            [new QuestionAnsweringFeature(Tokens, StartLogits(cls), EndLogits(cls))],
            101,
            parameters);

    private static QuestionAnsweringParameters Defaults => QuestionAnsweringParameters.Create(512);

    [Fact]
    public void Best_IsParisToFrance_WithTheProductOfTheProbabilities()
    {
        var answer = Assert.Single(Run(Defaults));

        var start = Probabilities(StartLogits());
        var end = Probabilities(EndLogits());
        Assert.Equal(new QuestionAnsweringAnswer(start[7] * end[9], 9, 23, "paris , france"), answer);
    }

    [Fact]
    public void MaxAnswerLen_Two_KeepsOnlySpansOfTwoTokens()
    {
        // paris→france spans three tokens; of the spans of at most two, paris→paris is best (end logit 4).
        var answer = Assert.Single(Run(Defaults with { MaxAnswerLen = 2 }));

        var start = Probabilities(StartLogits());
        var end = Probabilities(EndLogits());
        Assert.Equal(new QuestionAnsweringAnswer(start[7] * end[7], 9, 14, "paris"), answer);
    }

    [Fact]
    public void TopK_Three_InScoreOrder()
    {
        var answers = Run(Defaults with { TopK = 3 });

        var start = Probabilities(StartLogits());
        var end = Probabilities(EndLogits());
        Assert.Equal(
            [
                new QuestionAnsweringAnswer(start[7] * end[9], 9, 23, "paris , france"),
                new QuestionAnsweringAnswer(start[6] * end[9], 6, 23, "in paris , france"),
                new QuestionAnsweringAnswer(start[7] * end[7], 9, 14, "paris"),
            ],
            answers);
    }

    [Fact]
    public void ClsLogit_CountsInTheSoftmax_BeforeItIsZeroed()
    {
        // CLS start and end logits 10: without handle_impossible_answer it cannot win, but it shrinks the others.
        var answer = Assert.Single(Run(Defaults, cls: 10f));

        var start = Probabilities(StartLogits(10f));
        var end = Probabilities(EndLogits(10f));
        Assert.Equal(new QuestionAnsweringAnswer(start[7] * end[9], 9, 23, "paris , france"), answer);
    }

    [Fact]
    public void HandleImpossibleAnswer_TheNullAnswerScoredByCls_ComesFirst()
    {
        var answers = Run(Defaults with { HandleImpossibleAnswer = true, TopK = 2 }, cls: 10f);

        var start = Probabilities(StartLogits(10f));
        var end = Probabilities(EndLogits(10f));
        Assert.Equal(
            [
                new QuestionAnsweringAnswer(start[0] * end[0], 0, 0, string.Empty),
                new QuestionAnsweringAnswer(start[7] * end[9], 9, 23, "paris , france"),
            ],
            answers);
    }

    [Fact]
    public void SameAnswerInTwoWindows_CaseInsensitive_AddsTheScores_AndKeepsTheFirstSpan()
    {
        // "paris x PARIS" in two windows: window 1 finds "paris" (0..5), window 2 "PARIS" (8..13).
        const string context = "paris x PARIS";
        EncodedToken q = new(1, "q", 0, 1, WordId: 0, SequenceId: 0);
        EncodedToken[] w1 = [Special(101), q, Special(102), new(2, "paris", 0, 5, WordId: 0, SequenceId: 1), new(3, "x", 6, 7, WordId: 1, SequenceId: 1), Special(102)];
        EncodedToken[] w2 = [Special(101), q, Special(102), new(3, "x", 6, 7, WordId: 1, SequenceId: 1), new(4, "PARIS", 8, 13, WordId: 2, SequenceId: 1), Special(102)];
        float[] l1 = [0, 0, 0, 8f, 0, 0];
        float[] l2 = [0, 0, 0, 0, 8f, 0];

        var answer = Assert.Single(QuestionAnsweringPostProcessor.Run(
            context, [new(w1, l1, l1), new(w2, l2, l2)], 101, Defaults));

        // Six values: summed one by one. Window 1: [E, 0, 0, 1, E, 0]; window 2: [E, 0, 0, E, 1, 0].
        var e = MathF.Exp(-8f);
        var p1 = 1f / (0f + e + 0f + 0f + 1f + e + 0f);
        var p2 = 1f / (0f + e + 0f + 0f + e + 1f + 0f);
        Assert.Equal(new QuestionAnsweringAnswer((double)(p1 * p1) + (double)(p2 * p2), 0, 5, "paris"), answer);
    }

    [Fact]
    public void HandleImpossibleAnswer_TakesTheSmallestNullScoreOverTheWindows()
    {
        // Two windows of "paris x": CLS logits 8 in the first, 2 in the second, so p_cls² is smaller in the second:
        // its six values [e^-6, 0, 0, 1, E, 0] (max 8, E = e^-8) summed in order.
        const string context = "paris x";
        EncodedToken q = new(1, "q", 0, 1, WordId: 0, SequenceId: 0);
        EncodedToken[] tokens = [Special(101), q, Special(102), new(2, "paris", 0, 5, WordId: 0, SequenceId: 1), new(3, "x", 6, 7, WordId: 1, SequenceId: 1), Special(102)];
        float[] l1 = [8f, 0, 0, 8f, 0, 0];
        float[] l2 = [2f, 0, 0, 8f, 0, 0];

        var answers = QuestionAnsweringPostProcessor.Run(
            context, [new(tokens, l1, l1), new(tokens, l2, l2)], 101, Defaults with { HandleImpossibleAnswer = true, TopK = 3 });

        // Ranked: "paris" (both windows), "paris x", then the null answer (≈6e-6) above "x" (≈1e-7).
        var e = MathF.Exp(-8f);
        var e6 = MathF.Exp(-6f);
        var sum2 = 0f + e6 + 0f + 0f + 1f + e + 0f;
        var cls2 = e6 / sum2;
        Assert.Equal(["paris", "paris x", string.Empty], answers.Select(a => a.Answer));
        Assert.Equal(new QuestionAnsweringAnswer(cls2 * cls2, 0, 0, string.Empty), answers[2]);
    }

    [Fact]
    public void AlignToWords_ExpandsASubwordToItsWord_AndOffWhenDisabled()
    {
        const string context = "in paris .";
        EncodedToken[] tokens =
        [
            Special(101), new(1, "q", 0, 1, WordId: 0, SequenceId: 0), Special(102),
            new(2, "in", 0, 2, WordId: 0, SequenceId: 1),
            new(3, "pari", 3, 7, WordId: 1, SequenceId: 1),
            new(4, "##s", 7, 8, WordId: 1, SequenceId: 1),
            new(5, ".", 9, 10, WordId: 2, SequenceId: 1),
            Special(102),
        ];
        float[] logits = [0, 0, 0, 0, 0, 8f, 0, 0];
        QuestionAnsweringFeature[] features = [new(tokens, logits, logits)];

        var aligned = Assert.Single(QuestionAnsweringPostProcessor.Run(context, features, 101, Defaults));
        var raw = Assert.Single(QuestionAnsweringPostProcessor.Run(context, features, 101, Defaults with { AlignToWords = false }));

        Assert.Equal(("paris", 3, 8), (aligned.Answer, aligned.Start, aligned.End));
        Assert.Equal(("s", 7, 8), (raw.Answer, raw.Start, raw.End));
    }

    [Fact]
    public void Offsets_CountCodePoints()
    {
        // "😀 paris": paris is code points 2..7 (UTF-16 units 3..8).
        EncodedToken[] tokens = [Special(101), new(1, "q", 0, 1, WordId: 0, SequenceId: 0), Special(102), new(100, "[UNK]", 0, 1, WordId: 0, SequenceId: 1), new(2, "paris", 2, 7, WordId: 1, SequenceId: 1), Special(102)];
        float[] logits = [0, 0, 0, 0, 8f, 0];

        var answer = Assert.Single(QuestionAnsweringPostProcessor.Run("😀 paris", [new(tokens, logits, logits)], 101, Defaults));

        Assert.Equal(("paris", 2, 7), (answer.Answer, answer.Start, answer.End));
    }

    [Fact]
    public void Defaults_FollowTheModelLength()
    {
        Assert.Equal((384, 128, 1, 15, true, false), Shape(QuestionAnsweringParameters.Create(512)));
        Assert.Equal((100, 50, 1, 15, true, false), Shape(QuestionAnsweringParameters.Create(100)));

        static (int, int, int, int, bool, bool) Shape(QuestionAnsweringParameters p) =>
            (p.MaxSeqLen, p.DocStride, p.TopK, p.MaxAnswerLen, p.AlignToWords, p.HandleImpossibleAnswer);
    }

    [Theory]
    [InlineData(0, null, null, null, "top_k")]
    [InlineData(null, 0, null, null, "max_answer_len")]
    [InlineData(null, null, 600, null, "max_seq_len")]
    [InlineData(null, null, 64, 65, "doc_stride")]
    [InlineData(null, null, null, -1, "doc_stride")]
    public void BadParameters_AreA400NamingThem(int? topK, int? maxAnswerLen, int? maxSeqLen, int? docStride, string name)
    {
        var e = Assert.Throws<EngineException>(() => QuestionAnsweringParameters.Create(512, topK, maxAnswerLen, maxSeqLen: maxSeqLen, docStride: docStride));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains($"`{name}`", e.Message, StringComparison.Ordinal);
    }
}
