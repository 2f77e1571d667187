namespace Bytez;

public sealed partial class BytezClient
{
    private BytezAdminClient? _admin;

    /// <summary>The admin API of a self-hosted server: API keys and their audit log (needs a key with the <c>admin</c> scope).</summary>
    public BytezAdminClient Admin => _admin ??= new BytezAdminClient(this);

    /// <summary>Sends a request to an absolute address outside the API base (the admin routes), folding failures into a result.</summary>
    internal Task<BytezResult> SendAdminAsync(HttpMethod method, Uri address, byte[]? jsonBody, CancellationToken cancellationToken) =>
        SendJsonAsync(method, address.AbsoluteUri, jsonBody, providerKey: null, cancellationToken);
}
