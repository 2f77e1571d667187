using System.Net;
using System.Text.Json;
using Bytez.Protocol;

namespace Bytez.Tests;

public sealed class BytezResultTests
{
    private static BytezResult Success(string outputJson)
    {
        using var document = JsonDocument.Parse(outputJson);
        return new BytezResult(document.RootElement.Clone(), null, null, HttpStatusCode.OK);
    }

    [Fact]
    public void GetText_StringOutput_ReturnsIt() => Assert.Equal("Hello world", Success("\"Hello world\"").GetText());

    [Fact]
    public void GetText_ChatMessageOutput_ReturnsContent() =>
        Assert.Equal("Hi", Success("""{"role":"assistant","content":"Hi"}""").GetText());

    [Fact]
    public void GetText_NumberOutput_ThrowsBytezExceptionNamingTheShape()
    {
        var exception = Assert.Throws<BytezException>(() => Success("[1,2]").GetText());
        Assert.Contains("Expected the output to be a string", exception.Message, StringComparison.Ordinal);
        Assert.Contains("[1,2]", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetEmbedding_NoOutput_ThrowsBytezException() =>
        Assert.Throws<BytezException>(() => new BytezResult(null, null, null, HttpStatusCode.OK).GetEmbedding());

    [Fact]
    public void GetEmbedding_NumberArray_ReturnsFloats() =>
        Assert.Equal([0.5f, -1f, 2f], Success("[0.5,-1,2]").GetEmbedding());

    [Fact]
    public void GetEmbedding_OneRowMatrix_ReturnsTheRow() =>
        Assert.Equal([0.5f, 1f], Success("[[0.5,1]]").GetEmbedding());

    [Fact]
    public void GetEmbeddings_Matrix_ReturnsRows()
    {
        var rows = Success("[[1,2],[3,4]]").GetEmbeddings();
        Assert.Equal([1f, 2f], rows[0]);
        Assert.Equal([3f, 4f], rows[1]);
    }

    [Fact]
    public void GetEmbeddings_Vector_ReturnsOneRow() => Assert.Single(Success("[1,2]").GetEmbeddings());

    [Fact]
    public void GetChatMessage_NotAMessage_ThrowsBytezException() =>
        Assert.Throws<BytezException>(() => Success("\"text\"").GetChatMessage());

    [Fact]
    public void GetOutput_TypeInfo_Deserializes()
    {
        var models = Success("""[{"modelId":"a/b","task":"chat"}]""").GetOutput(ProtocolJsonContext.Default.ListModelInfo);
        Assert.Equal("a/b", Assert.Single(models!).ModelId);
    }

    [Fact]
    public void GetOutput_Reflection_Deserializes() =>
        Assert.Equal(new Dictionary<string, int> { ["a"] = 1 }, Success("""{"a":1}""").GetOutput<Dictionary<string, int>>());

    [Fact]
    public void EnsureSuccess_Error_ThrowsWithStatusAndBody()
    {
        var result = new BytezResult(null, "Rate limit exceeded", null, HttpStatusCode.TooManyRequests, """{"error":"Rate limit exceeded","output":null}""");

        var exception = Assert.Throws<BytezException>(() => result.EnsureSuccess());

        Assert.Equal("Rate limit exceeded", exception.Message);
        Assert.Equal(HttpStatusCode.TooManyRequests, exception.StatusCode);
        Assert.Equal("""{"error":"Rate limit exceeded","output":null}""", exception.ResponseBody);
    }

    [Fact]
    public void EnsureSuccess_Success_ReturnsSameResult()
    {
        var result = Success("1");
        Assert.Same(result, result.EnsureSuccess());
    }

    [Fact]
    public void GetText_Error_ThrowsBytezException() =>
        Assert.Throws<BytezException>(() => new BytezResult(null, "Unauthorized", null, HttpStatusCode.Unauthorized).GetText());
}
