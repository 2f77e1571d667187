using Bytez.Docs.Tests.Markdown;
using Bytez.Protocol;
using Bytez.Samples;

namespace Bytez.Docs.Tests.Samples;

[Collection(SamplesCollection.Name)]
public sealed class StreamingChatTests(SamplesFixture fixture)
{
    [Fact]
    public async Task RunAsync_TwoTurns_PrintsEachStreamedReplyAndKeepsTheConversation()
    {
        using var client = fixture.CreateClient();
        using var output = new StringWriter();
        var parameters = new ModelParameters { MaxNewTokens = 12, MinNewTokens = 4 };

        var conversation = await StreamingChat.RunAsync(
            client, DocsServer.ChatModel, new StringReader("Hello there\nAnd again\n"), output, parameters, TestContext.Current.CancellationToken);

        Assert.Equal(["user", "assistant", "user", "assistant"], conversation.Select(m => m.Role));
        Assert.Equal("Hello there", conversation[0].Text);
        Assert.Equal("And again", conversation[2].Text);
        var printed = output.ToString();
        foreach (var reply in new[] { conversation[1].Text, conversation[3].Text })
        {
            Assert.False(string.IsNullOrEmpty(reply));
            Assert.Contains("bot> " + reply + Environment.NewLine, printed, StringComparison.Ordinal);
        }

        Assert.Equal(3, printed.Split("you> ").Length - 1);   // two turns, then the empty line that ends
    }

    [Fact]
    public async Task RunAsync_UnknownModel_ThrowsWithTheServersError()
    {
        using var client = fixture.CreateClient();

        var error = await Assert.ThrowsAsync<BytezException>(() => StreamingChat.RunAsync(
            client, "nobody/no-such-model", new StringReader("Hi\n"), TextWriter.Null, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }
}
