namespace Bytez.Server.Responses;

/// <summary>
/// One stored response of the Responses API: the response object as it was answered (its output, model, usage,
/// status), the input items of its own request (not those of the responses it continues), and the response it
/// continues.
/// </summary>
/// <param name="Id">The response's id, <c>resp_…</c>.</param>
/// <param name="PreviousId">The response it continues (<c>previous_response_id</c>), or <see langword="null"/>.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="InputItems">The request's own input items as a JSON array (each with its id).</param>
/// <param name="Response">The response object as a JSON object, exactly as answered.</param>
public sealed record StoredResponse(string Id, string? PreviousId, DateTimeOffset CreatedAt, string InputItems, string Response);
