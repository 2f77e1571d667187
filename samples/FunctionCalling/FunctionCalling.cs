using System.ComponentModel;
using Microsoft.Extensions.AI;

namespace Bytez.Samples;

/// <summary>
/// A question whose answer needs the program's own functions: the model asks for them (tool calls), Microsoft.Extensions.AI's
/// function invocation runs them and sends their results back, and the model answers with them.
/// </summary>
public static class FunctionCalling
{
    /// <summary>The stock of a small shop, which only this program knows.</summary>
    private static readonly Dictionary<string, (int Count, decimal Price)> Stock = new(StringComparer.OrdinalIgnoreCase)
    {
        ["apples"] = (42, 0.30m),
        ["pears"] = (7, 0.45m),
        ["plums"] = (0, 0.20m),
    };

    /// <summary>The functions the model may call.</summary>
    public static IList<AITool> Tools { get; } =
    [
        AIFunctionFactory.Create(GetStock, "get_stock", "Tells how many of a fruit the shop has and its price per piece in euros."),
        AIFunctionFactory.Create(ListFruits, "list_fruits", "Lists the fruits the shop sells."),
    ];

    /// <summary>
    /// Asks <paramref name="question"/> with the tools, prints each function call as it happens and the final answer
    /// to <paramref name="output"/>, and returns the whole response (its messages hold the calls and their results).
    /// </summary>
    /// <param name="chat">A chat client with function invocation, for example from <c>AddBytezChatClient(id).UseFunctionInvocation()</c>.</param>
    /// <param name="question">The user's question.</param>
    /// <param name="output">Where the calls and the answer go.</param>
    /// <param name="toolMode">
    /// Whether the model must call a function first: <see langword="null"/> (the default) lets it choose;
    /// <see cref="ChatToolMode.RequireAny"/> makes its first answer a call (the server enforces it while decoding),
    /// after which Microsoft.Extensions.AI lets it answer freely.
    /// </param>
    /// <param name="cancellationToken">Cancels the conversation.</param>
    public static async Task<ChatResponse> RunAsync(IChatClient chat, string question, TextWriter output, ChatToolMode? toolMode = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chat);
        ArgumentNullException.ThrowIfNull(output);
        var options = new ChatOptions { Tools = Tools, ToolMode = toolMode, MaxOutputTokens = 256, Temperature = 0 };
        var response = await chat.GetResponseAsync(
            [new ChatMessage(ChatRole.System, "You help customers of a fruit shop. Use the functions for stock and prices."), new ChatMessage(ChatRole.User, question)],
            options, cancellationToken);

        foreach (var call in response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>())
        {
            await output.WriteLineAsync($"called {call.Name}({string.Join(", ", call.Arguments?.Select(a => $"{a.Key}: {a.Value}") ?? [])})");
        }

        await output.WriteLineAsync(response.Text);
        return response;
    }

    [Description("Tells how many of a fruit the shop has and its price per piece in euros.")]
    private static string GetStock([Description("The fruit, for example apples")] string fruit) =>
        Stock.TryGetValue(fruit.Trim(), out var item)
            ? $"{item.Count} {fruit} in stock at {item.Price} EUR each"
            : $"The shop does not sell {fruit}.";

    private static string ListFruits() => string.Join(", ", Stock.Keys);
}
