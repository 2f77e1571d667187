using System.Buffers;
using System.Net.Http.Headers;
using System.Text.Json;
using Bytez.Engine;

namespace Bytez.Server.Providers;

/// <summary>
/// Builds a provider's JSON request body: the fields made from the Bytez request, then every key of <c>params</c>
/// unchanged. A <c>params</c> key that names one of those fields is refused (400) rather than sent twice.
/// </summary>
public static class ProviderRequestBody
{
    /// <summary>The body: <paramref name="fields"/> writes the fields named in <paramref name="fieldNames"/>, then the params follow.</summary>
    /// <exception cref="EngineException">A <c>params</c> key is one of <paramref name="fieldNames"/> (BadInput).</exception>
    public static ByteArrayContent Create(
        IChatProvider provider, IReadOnlyCollection<string> fieldNames, Action<Utf8JsonWriter> fields, JsonElement? parameters)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(fieldNames);
        ArgumentNullException.ThrowIfNull(fields);
        if (parameters is { ValueKind: JsonValueKind.Object } checkedParams)
        {
            foreach (var property in checkedParams.EnumerateObject())
            {
                if (fieldNames.Contains(property.Name))
                {
                    throw EngineException.BadInput(
                        $"'params.{property.Name}' cannot be set for {provider.DisplayName}: the server builds '{property.Name}' from the Bytez request "
                        + $"(the fields it builds: {string.Join(", ", fieldNames)}). Every other key of params is sent to {provider.DisplayName} unchanged.");
                }
            }
        }

        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            fields(writer);
            if (parameters is { ValueKind: JsonValueKind.Object } extra)
            {
                foreach (var property in extra.EnumerateObject())
                {
                    property.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
        }

        var content = new ByteArrayContent(buffer.WrittenSpan.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    /// <summary>Whether <paramref name="parameters"/> has the key <paramref name="name"/>.</summary>
    public static bool Has(JsonElement? parameters, string name) =>
        parameters is { ValueKind: JsonValueKind.Object } p && p.TryGetProperty(name, out _);

    /// <summary>The address of <paramref name="relative"/> under <paramref name="baseUrl"/>, whether or not the base ends with '/'.</summary>
    public static Uri Endpoint(Uri baseUrl, string relative)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        return new Uri(baseUrl.AbsoluteUri.TrimEnd('/') + "/" + relative.TrimStart('/'));
    }
}
