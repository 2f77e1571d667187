using Bytez.Engine;

namespace Bytez.Bench;

/// <summary>(c) A Bytez server on loopback and SDK clients for it.</summary>
internal interface IHttpTarget : IAsyncDisposable
{
    /// <summary>What runs: the server, its engine options, the client.</summary>
    string Description { get; }

    /// <summary>The embedding instance the server itself serves requests with (taken from its services).</summary>
    IEmbeddingInstance ServerInstance { get; }

    /// <summary>Embeds one text through SDK client number <paramref name="client"/> (one request).</summary>
    Task<float[]> EmbedOneAsync(int client, string text);

    /// <summary>The same request through a bare <see cref="HttpClient"/>: no SDK, the response bytes not parsed. Returns their count.</summary>
    Task<int> PostRawAsync(string text);
}
