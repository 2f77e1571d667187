using System.Globalization;
using Bytez.Engine;
using Bytez.Engine.Metering;
using Bytez.Server.Auth;

namespace Bytez.Server.Usage;

/// <summary>
/// Meters every request made with a key: opens the engine's <see cref="UsageScope"/> for the request, so each run,
/// its inference time, its tokens and each model request are recorded under the key (<see cref="UsageMeter"/>), on
/// every route that reaches the engine (Bytez, v1, OpenAI, Anthropic, rerank, TEI, tokenizer, MCP). For a key with a
/// budget of generated tokens per UTC day (<see cref="IKeyTokenBudget"/>) that it has spent, generation is refused:
/// the engine answers a run of a generating task with 429 "Rate limit exceeded" and a Retry-After until UTC midnight;
/// other tasks still run.
/// </summary>
public sealed class UsageMiddleware(RequestDelegate next, UsageMeter meter, IKeyTokenBudget budget, TimeProvider time)
{
    /// <summary>Opens the request's usage scope (and checks the key's token budget), then passes the request on.</summary>
    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (ApiKeyIdentity.Of(context) is not { } key)
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        using var scope = UsageScope.Begin(usage => meter.Record(key, usage));
        if (HttpMethods.IsPost(context.Request.Method) && budget.GeneratedTokensPerDay(key) is { } perDay)
        {
            var used = await meter.GeneratedTokensTodayAsync(key.Id, context.RequestAborted).ConfigureAwait(false);
            if (used >= perDay)
            {
                scope.GenerationRefusal = BudgetSpent(perDay, used, time.GetUtcNow());
            }
        }

        await next(context).ConfigureAwait(false);
    }

    /// <summary>The 429 of a spent budget: the hosted service's "Rate limit exceeded", why, and a Retry-After until the next UTC midnight.</summary>
    public static EngineException BudgetSpent(long perDay, long used, DateTimeOffset now)
    {
        var midnight = new DateTimeOffset(now.UtcDateTime.Date.AddDays(1), TimeSpan.Zero);
        var wait = midnight - now;
        return EngineException.Overloaded(
            string.Create(
                CultureInfo.InvariantCulture,
                $"Rate limit exceeded: this key has generated {used} tokens today, its budget of {perDay} generated tokens per day (UTC). It resets at {midnight:yyyy-MM-dd'T'HH:mm:ss'Z'}; models that do not generate text still run."),
            wait);
    }
}
