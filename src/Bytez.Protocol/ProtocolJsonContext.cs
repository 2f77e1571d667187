using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bytez.Protocol;

/// <summary>Source-generated JSON metadata for every wire type, shared by the SDK and the server.</summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNameCaseInsensitive = false)]
[JsonSerializable(typeof(BytezResponse))]
[JsonSerializable(typeof(ModelInfo))]
[JsonSerializable(typeof(IReadOnlyList<ModelInfo>))]
[JsonSerializable(typeof(List<ModelInfo>))]
[JsonSerializable(typeof(RunRequest))]
[JsonSerializable(typeof(ChatMessage))]
[JsonSerializable(typeof(ModelParameters))]
[JsonSerializable(typeof(ClusterInfo))]
[JsonSerializable(typeof(List<ClusterInfo>))]
[JsonSerializable(typeof(IReadOnlyList<ClusterInfo>))]
[JsonSerializable(typeof(ClusterRequest))]
[JsonSerializable(typeof(ModelRequestStatus))]
[JsonSerializable(typeof(List<ModelRequestStatus>))]
[JsonSerializable(typeof(IReadOnlyList<ModelRequestStatus>))]
[JsonSerializable(typeof(ModelRequestOptions))]
[JsonSerializable(typeof(QuestionAnsweringInput))]
[JsonSerializable(typeof(ZeroShotClassificationInput))]
[JsonSerializable(typeof(TextRankingInput))]
[JsonSerializable(typeof(IReadOnlyList<LabelScore>))]
[JsonSerializable(typeof(IReadOnlyList<TokenEntity>))]
[JsonSerializable(typeof(AnswerSpan))]
[JsonSerializable(typeof(IReadOnlyList<AnswerSpan>))]
[JsonSerializable(typeof(IReadOnlyList<MaskPrediction>))]
[JsonSerializable(typeof(IReadOnlyList<IReadOnlyList<MaskPrediction>>))]
[JsonSerializable(typeof(ZeroShotClassification))]
[JsonSerializable(typeof(IReadOnlyList<RankedDocument>))]
[JsonSerializable(typeof(IReadOnlyList<DetectedObject>))]
[JsonSerializable(typeof(IReadOnlyList<ImageSegment>))]
[JsonSerializable(typeof(DepthEstimation))]
[JsonSerializable(typeof(Transcription))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(float[]))]
[JsonSerializable(typeof(float[][]))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(Dictionary<string, JsonElement>))]
public sealed partial class ProtocolJsonContext : JsonSerializerContext;
