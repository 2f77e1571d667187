using System.Text.Json;
using Bytez.Engine.Media;
using Bytez.Engine.Tensors;
using Bytez.Engine.Tests.Tensors;
using Bytez.Media;
using Bytez.Media.Audio;
using Bytez.Protocol;

namespace Bytez.Engine.Tests.Tasks;

/// <summary>Runs an audio pipeline on a tiny model with a WAV sent as base64, and reads the answer back as JSON.</summary>
internal static class AudioPipelineRuns
{
    /// <summary>A float32 WAV of the samples at 16 kHz, as base64.</summary>
    public static string Wav(float[] samples, int rate = 16000) => Convert.ToBase64String(WavEncoder.EncodeFloat32(samples, rate));

    /// <summary>The samples joined in order.</summary>
    public static float[] Concat(params float[][] parts) => parts.SelectMany(p => p).ToArray();

    /// <summary>A request of the base64 and the params (a JSON object or null).</summary>
    public static RunRequest Request(string base64, string? parameters = null) =>
        JsonSerializer.Deserialize($$"""{"base64": "{{base64}}", "params": {{parameters ?? "null"}}}""", ProtocolJsonContext.Default.RunRequest)!;

    /// <summary>Runs the pipeline and returns its output as JSON.</summary>
    public static async Task<JsonElement> RunAsync(ITaskPipeline pipeline, IModelInstance instance, RunRequest request)
    {
        var output = await pipeline.RunAsync(instance, request, TestContext.Current.CancellationToken);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            output.WriteTo(writer);
        }

        return JsonDocument.Parse(stream.ToArray()).RootElement.Clone();
    }

    /// <summary>A media reader under the given limits (defaults when null).</summary>
    public static MediaReader Reader(MediaLimits? limits = null) => new(limits ?? new MediaLimits());

    /// <summary>Loads a tiny model folder as the server does.</summary>
    public static Task<ITensorInstance> LoadAsync(string folder) => TensorModels.LoadAsync(folder);
}
