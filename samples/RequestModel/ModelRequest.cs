using Bytez;
using Bytez.Protocol;

namespace Bytez.Samples;

/// <summary>Asks the server to fetch a model from the Hugging Face hub, follows the download, then runs the model.</summary>
public static class ModelRequest
{
    /// <summary>
    /// Requests <paramref name="modelId"/>, prints each change of state and every tenth of the download, and once the
    /// model is ready runs it on <paramref name="prompt"/> and prints the answer.
    /// </summary>
    /// <exception cref="BytezException">The request failed (the message says why) or the server could not be reached.</exception>
    public static async Task RunAsync(BytezClient client, string modelId, string prompt, TextWriter output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(output);

        await output.WriteLineAsync($"Requesting {modelId}...");
        var ready = await client.RequestModelAndWaitAsync(modelId, new PrintedProgress(output), cancellationToken: cancellationToken);
        await output.WriteLineAsync($"Ready: {ready.ModelId} ({ready.Task}, {ready.Params}B parameters, {ready.RamRequired} GB of RAM)");

        // Chat models take messages; text-generation models a prompt.
        var model = client.Model(modelId);
        var parameters = new ModelParameters { MaxNewTokens = 64 };
        var answer = ready.Task == BytezTasks.Chat
            ? (await model.RunAsync([new ChatMessage("user", prompt)], parameters, cancellationToken)).GetChatMessage().Text
            : (await model.RunAsync(prompt, parameters, cancellationToken)).GetText();
        await output.WriteLineAsync($"{modelId} answered: {answer}");
    }

    /// <summary>
    /// Prints a status when its state changes or the download passes another tenth. It writes as it is told, on the
    /// caller's thread (unlike <see cref="Progress{T}"/>, which posts to the thread pool and can print out of order).
    /// </summary>
    private sealed class PrintedProgress(TextWriter output) : IProgress<ModelRequestStatus>
    {
        private string? _state;
        private long _tenth = -1;

        public void Report(ModelRequestStatus value)
        {
            var tenth = value.BytesTotal > 0 ? value.BytesDone * 10 / value.BytesTotal : 0;
            if (value.State == _state && tenth == _tenth)
            {
                return;
            }

            _state = value.State;
            _tenth = tenth;
            output.WriteLine(value.BytesTotal > 0
                ? $"  {value.State}: {value.BytesDone * 100 / value.BytesTotal}% of {value.BytesTotal / 1e6:F1} MB"
                : $"  {value.State}");
        }
    }
}
