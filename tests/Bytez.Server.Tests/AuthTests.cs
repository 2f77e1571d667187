using System.Net;
using Bytez.Testing;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests;

public sealed class AuthTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Theory]
    [InlineData("Key " + TestServer.Key)]
    [InlineData("Bearer " + TestServer.Key)]
    [InlineData(TestServer.Key)]
    [InlineData("key " + TestServer.Key)]
    public async Task Authorization_AcceptedForms_Succeed(string header)
    {
        using var client = fixture.Server.CreateHttpClient(header);
        var (status, body, _) = await GetAsync(client, "list/tasks");

        Assert.Equal(HttpStatusCode.OK, status);
        AssertOutput(body);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Key wrong-key")]
    [InlineData("Bearer " + TestServer.Key + "x")]
    [InlineData("Basic dGVzdDp0ZXN0")]
    public async Task Authorization_MissingOrWrong_Is401Unauthorized(string? header)
    {
        using var client = fixture.Server.CreateHttpClient(header);
        foreach (var (method, path, json) in new[]
                 {
                     (HttpMethod.Get, "list/models", (string?)null),
                     (HttpMethod.Get, "list/tasks", null),
                     (HttpMethod.Post, "sentence-transformers/all-MiniLM-L6-v2", "{\"input\":\"hi\"}"),
                     (HttpMethod.Post, "request/org/model", null),
                 })
        {
            var (status, body, _) = await SendAsync(client, method, path, json);
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            Assert.Equal("Unauthorized", AssertErrorEnvelope(body));
        }
    }
}
