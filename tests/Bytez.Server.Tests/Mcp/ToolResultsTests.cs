using System.Text.Json;
using Bytez.Engine;
using Bytez.Engine.Media;
using Bytez.Server.Mcp;
using ModelContextProtocol.Protocol;

namespace Bytez.Server.Tests.Mcp;

/// <summary>How engine outputs become MCP content, for the output kinds no test model produces through the server.</summary>
public sealed class ToolResultsTests
{
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3];

    [Fact]
    public void FromOutput_Image_IsAnImageBlockOfItsBytes()
    {
        var result = ToolResults.FromOutput(new MediaOutput(Png, "image/png", "png"));

        var image = Assert.IsType<ImageContentBlock>(Assert.Single(result.Content));
        Assert.Equal("image/png", image.MimeType);
        Assert.Equal(Png, image.DecodedData.ToArray());
        Assert.Equal(Convert.ToBase64String(Png), JsonDocument.Parse(JsonSerializer.Serialize<ContentBlock>(image, ModelContextProtocol.McpJsonUtilities.DefaultOptions)).RootElement.GetProperty("data").GetString());
    }

    [Fact]
    public void FromOutput_OtherFile_IsAnEmbeddedBlob()
    {
        var result = ToolResults.FromOutput(new MediaOutput(Png, "application/pdf", "pdf"));

        var resource = Assert.IsType<EmbeddedResourceBlock>(Assert.Single(result.Content));
        var blob = Assert.IsType<BlobResourceContents>(resource.Resource);
        Assert.Equal("application/pdf", blob.MimeType);
        Assert.Equal(Png, blob.DecodedData.ToArray());
    }

    [Fact]
    public void FromOutput_ChatWithToolCalls_KeepsThemStructured()
    {
        var chat = new ChatOutput("")
        {
            ToolCalls = [new Bytez.Engine.Generation.Tools.ChatToolCall("call_1", "get_weather", """{"city":"Paris"}""")],
        };

        var result = ToolResults.FromOutput(chat);

        var call = result.StructuredContent!.Value.GetProperty("output").GetProperty("tool_calls")[0];
        Assert.Equal("get_weather", call.GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
    }
}
