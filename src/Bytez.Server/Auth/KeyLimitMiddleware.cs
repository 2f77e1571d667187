namespace Bytez.Server.Auth;

/// <summary>
/// Holds each request of a key to its limits (<see cref="KeyRateLimits"/>), after <see cref="ApiKeyMiddleware"/> has
/// identified the key and checked the route's scope: a request beyond a limit gets 429
/// (<see cref="KeyLimitRefusal"/>); an admitted one keeps its concurrency slot until its answer is complete, streamed
/// answers included. Every answer to a limited key carries the rate-limit headers (<see cref="KeyBudget"/>), errors
/// too: they are set as the answer starts.
/// </summary>
public sealed class KeyLimitMiddleware(RequestDelegate next, KeyRateLimits limits)
{
    /// <summary>Admits or refuses the request, then passes it on.</summary>
    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (ApiKeyIdentity.Of(context) is not { } identity)
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        using var admission = await limits.AdmitAsync(identity, context.RequestAborted).ConfigureAwait(false);
        if (admission.Budget != KeyBudget.None)
        {
            // Set as the answer starts: an error answer clears the headers set before it.
            context.Response.OnStarting(static state =>
            {
                var (response, budget) = ((HttpResponse, KeyBudget))state;
                budget.WriteHeaders(response.Headers);
                return Task.CompletedTask;
            }, (context.Response, admission.Budget));
        }

        if (!admission.IsAdmitted)
        {
            await KeyLimitRefusal.WriteAsync(context, admission.Refusal!, admission.RetryAfter).ConfigureAwait(false);
            return;
        }

        await next(context).ConfigureAwait(false);
    }
}
