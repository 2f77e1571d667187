using Bytez.Engine.Generation.Constraints;
namespace Bytez.Engine.Tests.Generation.Constraints;
public sealed class TmpTiming(ConstraintModelsFixture models) : IClassFixture<ConstraintModelsFixture>
{
    [Fact]
    public void Time()
    {
        var tok = models.Gpt2; var size = tok.EosTokenIds.Max() + 1;
        var c = new TokenConstraint(GrammarPattern.JsonObject().Compile(), tok, size, tok.EosTokenIds);
        var scores = new float[size];
        c.Mask(scores);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < 20; i++) c.Mask(scores);
        var atStart = sw.Elapsed.TotalMilliseconds / 20;
        foreach (var id in tok.Encode("{\"a\": \"hello", false)) c.Commit(id);
        c.Mask(scores);
        sw.Restart();
        for (int i = 0; i < 20; i++) c.Mask(scores);
        var inString = sw.Elapsed.TotalMilliseconds / 20;
        sw.Restart();
        for (int i = 0; i < 20000; i++) c.Allows(i);
        var allows = sw.Elapsed.TotalMilliseconds / 20000 * 1000;
        var m = new GrammarMatcher(GrammarPattern.JsonObject().Compile());
        m.TryAdvance("{\"a\": \"hello");
        var heads = m.StackCount;
        var sw2 = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < 100000; i++) m.Allows("x"u8);
        var step = sw2.Elapsed.TotalMilliseconds / 100000 * 1000;
        Assert.Fail($"heads {heads} step {step} us start {atStart} ms, in string {inString} ms, allows {allows} us");
    }
}
