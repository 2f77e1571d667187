using Bytez.Engine.Generation;

namespace Bytez.Engine.Tests.Generation;

/// <summary>How long continuous batching (ONNX decoder and llama.cpp) holds a step for the streams of the previous one.</summary>
public sealed class StepRejoinTests
{
    [Theory]
    [InlineData(1.0, 0.2, 1.0)]    // a tiny model's step: the least wait
    [InlineData(1.0, 7.5, 7.5)]    // a real model's step: as long as it took
    [InlineData(1.0, 150.0, 20.0)] // a long one (a prompt, eight streams of a large model): at most 20 ms
    [InlineData(50.0, 7.5, 50.0)]  // a longer least wait (llama.cpp's BatchWait) is kept
    public void Wait_IsTheLeastOrTheLastStepsTimeUpTo20Ms(double leastMs, double lastStepMs, double expectedMs) =>
        Assert.Equal(
            TimeSpan.FromMilliseconds(expectedMs),
            StepRejoin.Wait(TimeSpan.FromMilliseconds(leastMs), TimeSpan.FromMilliseconds(lastStepMs)));
}
