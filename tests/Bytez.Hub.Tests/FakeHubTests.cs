using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bytez.Testing.Hub;

namespace Bytez.Hub.Tests;

/// <summary>The fake hub answers as huggingface.co does, over raw HTTP.</summary>
public sealed class FakeHubTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ModelInfo_WithBlobs_DescribesRepositoryAndFiles()
    {
        await using var hub = await FakeHub.StartAsync();
        var repo = hub.AddRepository("org/model");
        repo.PipelineTag = "text-generation";
        repo.LibraryName = "transformers.js";
        repo.Tags.AddRange(["onnx", "llama"]);
        repo.ModelType = "llama";
        repo.Architectures.Add("LlamaForCausalLM");
        repo.GgufArchitecture = "llama";
        var config = "{\"model_type\":\"llama\"}"u8.ToArray();
        var weights = RandomBytes(300);
        repo.AddFile("config.json", config).AddFile("onnx/model.onnx", weights);
        using var http = new HttpClient();

        using var document = JsonDocument.Parse(await http.GetStringAsync($"{hub.Endpoint}/api/models/org/model/revision/main?blobs=true", Ct));

        var root = document.RootElement;
        Assert.Matches("^[0-9a-f]{40}$", repo.Commit);
        Assert.Equal("org/model", root.GetProperty("id").GetString());
        Assert.Equal("org/model", root.GetProperty("modelId").GetString());
        Assert.Equal(repo.Commit, root.GetProperty("sha").GetString());
        Assert.False(root.GetProperty("private").GetBoolean());
        Assert.False(root.GetProperty("gated").GetBoolean());
        Assert.False(root.GetProperty("disabled").GetBoolean());
        Assert.Equal("text-generation", root.GetProperty("pipeline_tag").GetString());
        Assert.Equal("transformers.js", root.GetProperty("library_name").GetString());
        Assert.Equal(["onnx", "llama"], root.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("llama", root.GetProperty("config").GetProperty("model_type").GetString());
        Assert.Equal("LlamaForCausalLM", root.GetProperty("config").GetProperty("architectures")[0].GetString());
        Assert.Equal("llama", root.GetProperty("gguf").GetProperty("architecture").GetString());

        var siblings = root.GetProperty("siblings").EnumerateArray().ToDictionary(s => s.GetProperty("rfilename").GetString()!);
        Assert.Equal(["config.json", "onnx/model.onnx"], siblings.Keys.Order(StringComparer.Ordinal));
        var plain = siblings["config.json"];
        Assert.Equal(config.Length, plain.GetProperty("size").GetInt64());
        Assert.Equal(GitBlobId(config), plain.GetProperty("blobId").GetString());
        Assert.False(plain.TryGetProperty("lfs", out _));

        var lfs = siblings["onnx/model.onnx"];
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(weights));
        var pointer = Encoding.UTF8.GetBytes($"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {weights.Length}\n");
        Assert.Equal(weights.Length, lfs.GetProperty("size").GetInt64());
        Assert.Equal(GitBlobId(pointer), lfs.GetProperty("blobId").GetString());
        Assert.Equal(sha256, lfs.GetProperty("lfs").GetProperty("sha256").GetString());
        Assert.Equal(weights.Length, lfs.GetProperty("lfs").GetProperty("size").GetInt64());
        Assert.Equal(pointer.Length, lfs.GetProperty("lfs").GetProperty("pointerSize").GetInt32());
    }

    [Fact]
    public async Task ModelList_SearchAndFilter_AnswerPublicMatchesMostDownloadedFirstUpToTheLimit()
    {
        await using var hub = await FakeHub.StartAsync();
        hub.AddRepository("Xenova/tiny").ListedDownloads = 5;
        var tagged = hub.AddRepository("onnx-community/tiny-ONNX");
        tagged.ListedDownloads = 50;
        tagged.Tags.Add("base_model:org/tiny");
        tagged.PipelineTag = "feature-extraction";
        hub.AddRepository("org/tiny").ListedDownloads = 500;
        var hidden = hub.AddRepository("secret/tiny");
        hidden.RequiredToken = "t";
        hidden.Private = true;
        hub.AddRepository("org/other").ListedDownloads = 5000;
        using var http = new HttpClient();

        using var search = JsonDocument.Parse(await http.GetStringAsync($"{hub.Endpoint}/api/models?search=tiny&sort=downloads&direction=-1&limit=2", Ct));
        using var filter = JsonDocument.Parse(await http.GetStringAsync($"{hub.Endpoint}/api/models?filter={Uri.EscapeDataString("base_model:org/tiny")}", Ct));

        Assert.Equal(["org/tiny", "onnx-community/tiny-ONNX"], search.RootElement.EnumerateArray().Select(m => m.GetProperty("id").GetString()));
        Assert.Equal([500L, 50L], search.RootElement.EnumerateArray().Select(m => m.GetProperty("downloads").GetInt64()));
        var only = Assert.Single(filter.RootElement.EnumerateArray());
        Assert.Equal("onnx-community/tiny-ONNX", only.GetProperty("id").GetString());
        Assert.Equal("feature-extraction", only.GetProperty("pipeline_tag").GetString());
        Assert.Equal(["base_model:org/tiny"], only.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task ModelInfo_Revisions_MainAndCommitResolveOthersAreNotFound()
    {
        await using var hub = await FakeHub.StartAsync();
        var repo = hub.AddRepository("org/model");
        using var http = new HttpClient();

        using var plain = await http.GetAsync($"{hub.Endpoint}/api/models/org/model", Ct);
        using var byCommit = await http.GetAsync($"{hub.Endpoint}/api/models/org/model/revision/{repo.Commit}", Ct);
        using var branch = await http.GetAsync($"{hub.Endpoint}/api/models/org/model/revision/{Uri.EscapeDataString("refs/pr/1")}", Ct);

        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.Equal(HttpStatusCode.OK, byCommit.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, branch.StatusCode);
        Assert.Equal("RevisionNotFound", ErrorCode(branch));
        Assert.Equal("/api/models/org/model/revision/refs%2Fpr%2F1", hub.Requests[^1].Path);
    }

    [Fact]
    public async Task ModelInfo_WithoutBlobs_ListsFileNamesOnly()
    {
        await using var hub = await FakeHub.StartAsync();
        hub.AddRepository("org/model").AddFile("config.json", "{}"u8.ToArray());
        using var http = new HttpClient();

        using var document = JsonDocument.Parse(await http.GetStringAsync($"{hub.Endpoint}/api/models/org/model", Ct));

        var sibling = Assert.Single(document.RootElement.GetProperty("siblings").EnumerateArray());
        Assert.Equal("config.json", sibling.GetProperty("rfilename").GetString());
        Assert.False(sibling.TryGetProperty("size", out _));
    }

    [Fact]
    public async Task ModelInfo_UnknownRepository_Answers401AnonymouslyAnd404WithToken()
    {
        await using var hub = await FakeHub.StartAsync();
        using var http = new HttpClient();

        using var anonymous = await http.GetAsync($"{hub.Endpoint}/api/models/org/missing", Ct);
        using var withToken = await SendAsync(http, HttpMethod.Get, $"{hub.Endpoint}/api/models/org/missing", token: "hf_x");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("RepoNotFound", ErrorCode(anonymous));
        Assert.Equal(HttpStatusCode.NotFound, withToken.StatusCode);
        Assert.Equal("RepoNotFound", ErrorCode(withToken));
        using var body = JsonDocument.Parse(await withToken.Content.ReadAsStringAsync(Ct));
        Assert.False(string.IsNullOrEmpty(body.RootElement.GetProperty("error").GetString()));
    }

    [Fact]
    public async Task Resolve_PlainFile_ServesBodyWithHubHeaders()
    {
        await using var hub = await FakeHub.StartAsync();
        var repo = hub.AddRepository("org/model");
        var content = "{\"a\":1}"u8.ToArray();
        repo.AddFile("config.json", content);
        using var http = NoRedirects();

        using var response = await http.GetAsync($"{hub.Endpoint}/org/model/resolve/main/config.json", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(content, await response.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal(repo.Commit, Header(response, "X-Repo-Commit"));
        Assert.Equal($"\"{GitBlobId(content)}\"", response.Headers.ETag?.ToString());
        Assert.Contains("bytes", response.Headers.AcceptRanges);
        Assert.Equal(content.Length, response.Content.Headers.ContentLength);
        Assert.Equal(1, repo.Downloads("config.json"));
    }

    [Fact]
    public async Task Resolve_LfsFile_RedirectsWithLinkedHeadersToItsBytes()
    {
        await using var hub = await FakeHub.StartAsync();
        var repo = hub.AddRepository("org/model");
        var weights = RandomBytes(50_000);
        repo.AddFile("onnx/model.onnx", weights);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(weights));
        using var http = NoRedirects();

        using var head = await SendAsync(http, HttpMethod.Head, $"{hub.Endpoint}/org/model/resolve/{repo.Commit}/onnx/model.onnx");
        using var redirect = await http.GetAsync($"{hub.Endpoint}/org/model/resolve/main/onnx/model.onnx", Ct);
        using var body = await http.GetAsync(redirect.Headers.Location, Ct);

        Assert.Equal(HttpStatusCode.Found, head.StatusCode);
        Assert.Equal($"\"{sha256}\"", Header(head, "X-Linked-Etag"));
        Assert.Equal(weights.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), Header(head, "X-Linked-Size"));
        Assert.Equal(repo.Commit, Header(head, "X-Repo-Commit"));
        Assert.Equal(HttpStatusCode.Found, redirect.StatusCode);
        Assert.StartsWith(hub.Endpoint + "/cdn-lfs/", redirect.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, body.StatusCode);
        Assert.Equal(weights, await body.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal(1, repo.Downloads("onnx/model.onnx"));
    }

    [Theory]
    [InlineData("bytes=100-", 100, 999)]
    [InlineData("bytes=10-19", 10, 19)]
    [InlineData("bytes=990-5000", 990, 999)]
    public async Task Resolve_Range_Answers206WithContentRange(string range, int start, int end)
    {
        await using var hub = await FakeHub.StartAsync();
        var content = RandomBytes(1000);
        hub.AddRepository("org/model").AddFile("model.safetensors", content);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{hub.Endpoint}/org/model/resolve/main/model.safetensors");
        request.Headers.TryAddWithoutValidation("Range", range);

        using var response = await http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal($"bytes {start}-{end}/1000", response.Content.Headers.ContentRange?.ToString());
        Assert.Equal(content[start..(end + 1)], await response.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal(range, hub.Requests[^1].Range);
        Assert.Equal(206, hub.Requests[^1].Status);
    }

    [Fact]
    public async Task Resolve_RangeBeyondEnd_Answers416WithTotal()
    {
        await using var hub = await FakeHub.StartAsync();
        hub.AddRepository("org/model").AddFile("config.json", RandomBytes(100), lfs: false);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{hub.Endpoint}/org/model/resolve/main/config.json");
        request.Headers.Range = new RangeHeaderValue(100, null);

        using var response = await http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.StatusCode);
        Assert.Equal("bytes */100", response.Content.Headers.ContentRange?.ToString());
    }

    [Fact]
    public async Task Resolve_UnknownFile_Answers404EntryNotFound()
    {
        await using var hub = await FakeHub.StartAsync();
        hub.AddRepository("org/model");
        using var http = new HttpClient();

        using var response = await http.GetAsync($"{hub.Endpoint}/org/model/resolve/main/missing.json", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("EntryNotFound", ErrorCode(response));
    }

    [Fact]
    public async Task Resolve_GatedRepository_NeedsTheTokenForFilesOnly()
    {
        await using var hub = await FakeHub.StartAsync();
        var repo = hub.AddRepository("org/gated");
        repo.RequiredToken = "hf_right";
        repo.AddFile("config.json", "{}"u8.ToArray());
        using var http = new HttpClient();
        var file = $"{hub.Endpoint}/org/gated/resolve/main/config.json";

        using var metadata = await http.GetAsync($"{hub.Endpoint}/api/models/org/gated", Ct);
        using var anonymous = await http.GetAsync(file, Ct);
        using var wrong = await SendAsync(http, HttpMethod.Get, file, token: "hf_wrong");
        using var right = await SendAsync(http, HttpMethod.Get, file, token: "hf_right");

        Assert.Equal(HttpStatusCode.OK, metadata.StatusCode);
        using (var document = JsonDocument.Parse(await metadata.Content.ReadAsStringAsync(Ct)))
        {
            Assert.Equal("auto", document.RootElement.GetProperty("gated").GetString());
        }

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("GatedRepo", ErrorCode(anonymous));
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        Assert.Equal("GatedRepo", ErrorCode(wrong));
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Equal("Bearer hf_right", hub.Requests[^1].Authorization);
    }

    [Fact]
    public async Task ModelInfo_PrivateRepository_LooksMissingWithoutTheToken()
    {
        await using var hub = await FakeHub.StartAsync();
        var repo = hub.AddRepository("org/private");
        repo.RequiredToken = "hf_right";
        repo.Private = true;
        using var http = new HttpClient();
        var url = $"{hub.Endpoint}/api/models/org/private";

        using var anonymous = await http.GetAsync(url, Ct);
        using var wrong = await SendAsync(http, HttpMethod.Get, url, token: "hf_wrong");
        using var right = await SendAsync(http, HttpMethod.Get, url, token: "hf_right");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("RepoNotFound", ErrorCode(anonymous));
        Assert.Equal(HttpStatusCode.NotFound, wrong.StatusCode);
        Assert.Equal("RepoNotFound", ErrorCode(wrong));
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        using var document = JsonDocument.Parse(await right.Content.ReadAsStringAsync(Ct));
        Assert.True(document.RootElement.GetProperty("private").GetBoolean());
    }

    [Fact]
    public async Task CutOnce_NextGet_EndsAfterTheBytesThenServesWhole()
    {
        await using var hub = await FakeHub.StartAsync();
        var repo = hub.AddRepository("org/model");
        var weights = RandomBytes(200_000);
        repo.AddFile("model.gguf", weights);
        repo.CutOnce("model.gguf", 70_000);
        using var http = new HttpClient();
        var url = $"{hub.Endpoint}/org/model/resolve/main/model.gguf";

        using var cut = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, Ct);
        var stream = await cut.Content.ReadAsStreamAsync(Ct);
        var received = new MemoryStream();
        await Assert.ThrowsAnyAsync<IOException>(() => stream.CopyToAsync(received, Ct));
        var whole = await http.GetByteArrayAsync(url, Ct);

        Assert.Equal(HttpStatusCode.OK, cut.StatusCode);
        Assert.Equal(70_000, received.Length);
        Assert.Equal(weights[..70_000], received.ToArray());
        Assert.Equal(weights, whole);
        Assert.Equal(2, repo.Downloads("model.gguf"));
    }

    [Fact]
    public async Task ServeCorrupted_Body_DiffersInOneByteWhileHashesStay()
    {
        await using var hub = await FakeHub.StartAsync();
        var repo = hub.AddRepository("org/model");
        var weights = RandomBytes(30_000);
        repo.AddFile("model.onnx", weights);
        repo.ServeCorrupted("model.onnx");
        using var http = new HttpClient();

        var body = await http.GetByteArrayAsync($"{hub.Endpoint}/org/model/resolve/main/model.onnx", Ct);
        using var document = JsonDocument.Parse(await http.GetStringAsync($"{hub.Endpoint}/api/models/org/model?blobs=true", Ct));

        Assert.Equal(weights.Length, body.Length);
        Assert.Equal(1, weights.Zip(body).Count(pair => pair.First != pair.Second));
        var published = document.RootElement.GetProperty("siblings")[0].GetProperty("lfs").GetProperty("sha256").GetString();
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(weights)), published);
    }

    [Fact]
    public async Task FailNext_TwoTimes_AnswersTheStatusThenTheFile()
    {
        await using var hub = await FakeHub.StartAsync();
        var repo = hub.AddRepository("org/model");
        repo.AddFile("tokenizer.json", "{}"u8.ToArray());
        repo.FailNext("tokenizer.json", 503, times: 2);
        using var http = new HttpClient();
        var url = $"{hub.Endpoint}/org/model/resolve/main/tokenizer.json";

        using var first = await http.GetAsync(url, Ct);
        using var second = await http.GetAsync(url, Ct);
        using var third = await http.GetAsync(url, Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
        Assert.Empty(await first.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        Assert.Equal(1, repo.Downloads("tokenizer.json"));
        Assert.Equal([503, 503, 200], hub.Requests.Select(r => r.Status));
    }

    [Fact]
    public async Task BytesPerSecond_Set_ThrottlesBodies()
    {
        await using var hub = await FakeHub.StartAsync();
        hub.AddRepository("org/model").AddFile("model.bin", RandomBytes(96 * 1024));
        hub.BytesPerSecond = 256 * 1024;
        using var http = new HttpClient();
        var clock = Stopwatch.StartNew();

        var body = await http.GetByteArrayAsync($"{hub.Endpoint}/org/model/resolve/main/model.bin", Ct);

        Assert.Equal(96 * 1024, body.Length);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(300), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task AddFolder_Files_ServedUnderRelativePaths()
    {
        var folder = Directory.CreateTempSubdirectory("fakehub-");
        try
        {
            Directory.CreateDirectory(Path.Combine(folder.FullName, "onnx"));
            await File.WriteAllBytesAsync(Path.Combine(folder.FullName, "onnx", "model.onnx"), [1, 2, 3], Ct);
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "config.json"), "{}", Ct);
            await using var hub = await FakeHub.StartAsync();
            hub.AddFolder("org/model", folder.FullName);
            using var http = new HttpClient();

            var weights = await http.GetByteArrayAsync($"{hub.Endpoint}/org/model/resolve/main/onnx/model.onnx", Ct);

            Assert.Equal([1, 2, 3], weights);
            Assert.Equal(
                [("GET", "/org/model/resolve/main/onnx/model.onnx", 302), ("GET", null, 200)],
                hub.Requests.Select(r => (r.Method, r.Path.StartsWith("/cdn-lfs/", StringComparison.Ordinal) ? null : r.Path, r.Status)));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
    }

    private static string GitBlobId(byte[] content)
    {
        var header = Encoding.ASCII.GetBytes($"blob {content.Length}\0");
#pragma warning disable CA5350 // git object ids are SHA-1
        return Convert.ToHexStringLower(SHA1.HashData([.. header, .. content]));
#pragma warning restore CA5350
    }

    private static HttpClient NoRedirects() => new(new SocketsHttpHandler { AllowAutoRedirect = false });

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string url, string? token = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await http.SendAsync(request, Ct);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.First() : null;

    private static string? ErrorCode(HttpResponseMessage response) => Header(response, "X-Error-Code");
}
