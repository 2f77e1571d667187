using System.CommandLine;
using System.CommandLine.Invocation;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Bytez.Protocol;

namespace Bytez.Cli;

/// <summary>The commands of <c>bytez</c>: their options, and what each does with the SDK.</summary>
internal sealed partial class BytezCommands
{
    private const string DefaultHost = "http://localhost:8080";
    private const string HostVariable = "BYTEZ_HOST";
    private const string KeyVariable = "BYTEZ_KEY";

    private readonly TextWriter _out;
    private readonly TextWriter _err;
    private readonly CliEnvironment _environment;

    private readonly Option<string> _host;
    private readonly Option<string?> _key;

    public BytezCommands(TextWriter stdout, TextWriter stderr, CliEnvironment environment)
    {
        _out = stdout;
        _err = stderr;
        _environment = environment;
        _host = new Option<string>("--host")
        {
            Description = $"The Bytez server, for example {DefaultHost} (default: ${HostVariable}, else {DefaultHost})",
            Recursive = true,
            DefaultValueFactory = _ => NonEmpty(environment.GetVariable(HostVariable)) ?? DefaultHost,
        };
        _key = new Option<string?>("--key")
        {
            // No default value: help prints defaults, and the key is a secret. It is read from the environment at use.
            Description = $"The API key (default: ${KeyVariable}; its value is never shown)",
            Recursive = true,
        };
    }

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var root = new RootCommand("Serve, pull, run and manage models on a Bytez server.")
        {
            _host,
            _key,
            ServeCommand(),
            PullCommand(),
            AddModelCommand(),
            StatusCommand(),
            ListCommand(),
            RunCommand(),
            PsCommand(),
            LoadCommand(),
            StopCommand(),
            RemoveCommand(),
            KeysCommand(),
            UsageCommand(),
            CompletionCommand(),
        };

        var parsed = root.Parse(args);
        if (parsed.Action is ParseErrorAction)
        {
            foreach (var error in parsed.Errors.Select(e => e.Message).Distinct())
            {
                await _err.WriteLineAsync(error).ConfigureAwait(false);
            }

            await _err.WriteLineAsync("Run 'bytez --help' for usage.").ConfigureAwait(false);
            return Program.UsageError;
        }

        var configuration = new InvocationConfiguration
        {
            Output = _out,
            Error = _err,
            ProcessTerminationTimeout = null,
            EnableDefaultExceptionHandler = false,
        };
        return await CommandName.TryWriteHelpAsync(parsed, configuration, _out, cancellationToken).ConfigureAwait(false)
            ?? await parsed.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
    }

    // ---- pull (request) --------------------------------------------------------------------------------------

    private Command PullCommand()
    {
        var model = ModelArgument("The Hugging Face model to download, org/name");
        var revision = new Option<string?>("--revision") { Description = "A branch, tag or commit (default: main)" };
        var webhook = new Option<string?>("--webhook") { Description = "An http(s) URL the server posts the final status to" };
        var noWait = new Option<bool>("--no-wait") { Description = "Queue the request and return without following it" };
        var command = new Command("pull", "Ask the server to download a Hugging Face model, and follow the download with a progress bar")
        {
            model, revision, webhook, noWait,
        };
        command.Aliases.Add("request");
        command.SetAction((parse, ct) => WithClientAsync(parse, async (client, host) =>
        {
            var id = parse.GetValue(model)!;
            var options = parse.GetValue(revision) is null && parse.GetValue(webhook) is null
                ? null
                : new ModelRequestOptions { Revision = parse.GetValue(revision), Webhook = parse.GetValue(webhook) };
            if (parse.GetValue(noWait))
            {
                var queued = await client.RequestModelAsync(id, options, ct).ConfigureAwait(false);
                if (!queued.IsSuccess)
                {
                    return await FailAsync(queued.Error, queued.StatusCode, host).ConfigureAwait(false);
                }

                await _out.WriteLineAsync(Describe(queued.Output)).ConfigureAwait(false);
                await _err.WriteLineAsync($"Check it with: bytez status {id}").ConfigureAwait(false);
                return Program.Success;
            }

            var renderer = new ProgressRenderer(_err, _environment.ErrorIsTerminal, _environment.TimeProvider, _environment.TerminalWidth);
            try
            {
                var ready = await client.RequestModelAndWaitAsync(id, renderer, options, ct).ConfigureAwait(false);
                renderer.Complete();
                await _out.WriteLineAsync(ReadyLine(ready)).ConfigureAwait(false);
                return Program.Success;
            }
            catch (BytezException exception) when (renderer.Last?.State == ModelRequestStates.Failed)
            {
                renderer.Complete();
                await _err.WriteLineAsync($"Failed: {exception.Message}").ConfigureAwait(false);
                return Program.Failure;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                renderer.Complete();
                await _err.WriteLineAsync(
                    $"Stopped following {id}; the server goes on with the request. Check it with: bytez status {id}").ConfigureAwait(false);
                return Program.Interrupted;
            }
            finally
            {
                renderer.Complete();
            }
        }, ct));
        return command;
    }

    /// <summary>The line that ends a successful request: <c>Ready: org/name (task, 0.3 GB RAM, 0.03 B params)</c>.</summary>
    internal static string ReadyLine(ModelRequestStatus status)
    {
        var details = new List<string>();
        if (!string.IsNullOrEmpty(status.Task))
        {
            details.Add(status.Task);
        }

        if (status.RamRequired is { } ram)
        {
            details.Add(Format.Invariant($"{ram:0.0} GB RAM"));
        }

        if (status.Params is { } parameters)
        {
            details.Add(Format.Invariant($"{parameters:0.00} B params"));
        }

        return details.Count == 0 ? $"Ready: {status.ModelId}" : $"Ready: {status.ModelId} ({string.Join(", ", details)})";
    }

    // ---- status ----------------------------------------------------------------------------------------------

    private Command StatusCommand()
    {
        var model = ModelArgument("The requested model, org/name");
        var json = JsonOption();
        var command = new Command("status", "Show the state of the server's request for a model") { model, json };
        command.SetAction((parse, ct) => WithClientAsync(parse, async (client, host) =>
        {
            var result = await client.GetRequestAsync(parse.GetValue(model)!, ct).ConfigureAwait(false);
            if (!result.IsSuccess)
            {
                return await FailAsync(result.Error, result.StatusCode, host).ConfigureAwait(false);
            }

            var status = result.Output!;
            await _out.WriteLineAsync(parse.GetValue(json)
                ? Format.Json(status, ProtocolJsonContext.Default.ModelRequestStatus)
                : StatusBlock(status)).ConfigureAwait(false);
            return Program.Success;
        }, ct));
        return command;
    }

    /// <summary>A request's state as <c>key: value</c> lines; unknown values are left out.</summary>
    internal static string StatusBlock(ModelRequestStatus status)
    {
        var lines = new List<(string Key, string? Value)>
        {
            ("model", status.ModelId),
            ("state", status.State),
            ("error", status.Error),
            ("revision", status.Revision),
            ("commit", status.Commit),
            ("task", status.Task),
            ("format", status.Format),
            ("files", status.Files.Count == 0 ? null : string.Join(", ", status.Files.Select(f => $"{f.Path} ({Format.Bytes(f.Size)})"))),
            ("progress", status.BytesTotal <= 0 ? null : Format.Invariant(
                $"{Format.Bytes(status.BytesDone)} / {Format.Bytes(status.BytesTotal)} ({Format.Percent(status.BytesDone, status.BytesTotal):0.0} %)")),
            ("ram", status.RamRequired is { } ram ? Format.Invariant($"{ram:0.00} GB") : null),
            ("params", status.Params is { } p ? Format.Invariant($"{p:0.####} B") : null),
            ("created", Format.Time(status.CreatedAt)),
            ("started", status.StartedAt is { } started ? Format.Time(started) : null),
            ("ended", status.EndedAt is { } ended ? Format.Time(ended) : null),
            ("updated", Format.Time(status.UpdatedAt)),
        };
        var text = new StringBuilder();
        foreach (var (key, value) in lines.Where(l => !string.IsNullOrEmpty(l.Value)))
        {
            text.Append(CultureInfo.InvariantCulture, $"{key + ":",-10}").Append(value).Append('\n');
        }

        return text.ToString().TrimEnd('\n');
    }

    // ---- list ------------------------------------------------------------------------------------------------

    private Command ListCommand()
    {
        var task = new Option<string?>("--task") { Description = "Only the models of this task, for example feature-extraction" };
        var requests = new Option<bool>("--requests") { Description = "List the server's model requests instead of its models" };
        var json = JsonOption();
        var command = new Command("list", "List the server's models (or its model requests)") { task, requests, json };
        command.SetAction((parse, ct) => WithClientAsync(parse, async (client, host) =>
        {
            if (parse.GetValue(requests))
            {
                var listed = await client.List.RequestsAsync(ct).ConfigureAwait(false);
                if (!listed.IsSuccess)
                {
                    return await FailAsync(listed.Error, listed.StatusCode, host).ConfigureAwait(false);
                }

                var all = listed.Output ?? [];
                var filtered = parse.GetValue(task) is { } wanted ? all.Where(r => r.Task == wanted).ToList() : all;
                await _out.WriteLineAsync(parse.GetValue(json)
                    ? Format.Json(filtered, ProtocolJsonContext.Default.IReadOnlyListModelRequestStatus)
                    : RequestTable(filtered)).ConfigureAwait(false);
                return Program.Success;
            }

            var models = await client.List.ModelsAsync(parse.GetValue(task), ct).ConfigureAwait(false);
            if (!models.IsSuccess)
            {
                return await FailAsync(models.Error, models.StatusCode, host).ConfigureAwait(false);
            }

            await _out.WriteLineAsync(parse.GetValue(json)
                ? Format.Json(models.Output ?? [], ProtocolJsonContext.Default.IReadOnlyListModelInfo)
                : ModelTable(models.Output ?? [])).ConfigureAwait(false);
            return Program.Success;
        }, ct));
        return command;
    }

    internal static string ModelTable(IReadOnlyList<ModelInfo> models)
    {
        if (models.Count == 0)
        {
            return "No models.";
        }

        var rows = new List<string[]> { new[] { "ID", "TASK", "PARAMS (B)", "RAM (GB)" } };
        rows.AddRange(models.Select(m => new[]
        {
            m.ModelId, m.Task, Format.Invariant($"{m.Params:0.0###}"), Format.Invariant($"{m.RamRequired:0.00}"),
        }));
        using var writer = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        Format.Table(writer, rows, 2, 3);
        return writer.ToString().TrimEnd('\n');
    }

    internal static string RequestTable(IReadOnlyList<ModelRequestStatus> requests)
    {
        if (requests.Count == 0)
        {
            return "No model requests.";
        }

        var rows = new List<string[]> { new[] { "ID", "STATE", "PROGRESS", "SIZE", "UPDATED", "ERROR" } };
        rows.AddRange(requests.Select(r => new[]
        {
            r.ModelId,
            r.State,
            r.BytesTotal <= 0 ? "-" : Format.Invariant($"{Format.Percent(r.BytesDone, r.BytesTotal):0} %"),
            r.BytesTotal <= 0 ? "-" : Format.Bytes(r.BytesTotal),
            Format.Time(r.UpdatedAt),
            r.Error ?? "",
        }));
        using var writer = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        Format.Table(writer, rows, 2, 3);
        return writer.ToString().TrimEnd('\n');
    }

    // ---- run -------------------------------------------------------------------------------------------------

    private Command RunCommand()
    {
        var model = ModelArgument("The model to run, org/name");
        var input = new Argument<string?>("input")
        {
            Description = "The input text; without it, a chat that keeps the conversation (one message a line, /bye or Ctrl+D to end)",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var stream = new Option<bool>("--stream") { Description = "Write the output as it is generated" };
        var parameters = new Option<string[]>("--param")
        {
            Description = "A model parameter key=value, for example max_new_tokens=20; repeat for more. Values that parse as JSON (numbers, booleans) are sent as such, others as strings",
            Arity = ArgumentArity.ZeroOrMore,
        };
        parameters.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (token.Value.IndexOf('=', StringComparison.Ordinal) <= 0)
                {
                    result.AddError($"--param expects key=value, got '{token.Value}'.");
                }
            }
        });
        var json = JsonOption();
        var system = new Option<string?>("--system") { Description = "In a chat, the system message that starts the conversation" };
        var command = new Command("run", "Run a model on a text, or chat with it") { model, input, stream, parameters, json, system };
        command.SetAction((parse, ct) => WithClientAsync(parse, async (client, host) =>
        {
            var handle = client.Model(parse.GetValue(model)!);
            var modelParameters = ParseParameters(parse.GetValue(parameters) ?? []);
            if (parse.GetValue(input) is not { } text)
            {
                return await ChatAsync(handle, parse.GetValue(system), modelParameters, ct).ConfigureAwait(false);
            }

            var inputJson = JsonSerializer.SerializeToElement(text, ProtocolJsonContext.Default.String);
            if (parse.GetValue(stream))
            {
                var pieces = modelParameters is { } p ? handle.StreamAsync(inputJson, p, ct) : handle.StreamAsync(text, null, ct);
                await foreach (var piece in pieces.ConfigureAwait(false))
                {
                    await _out.WriteAsync(piece).ConfigureAwait(false);
                    await _out.FlushAsync(ct).ConfigureAwait(false);
                }

                await _out.WriteLineAsync().ConfigureAwait(false);
                return Program.Success;
            }

            var result = modelParameters is { } values
                ? await handle.RunAsync(inputJson, values, ct).ConfigureAwait(false)
                : await handle.RunAsync(text, null, ct).ConfigureAwait(false);
            if (!result.IsSuccess)
            {
                return await FailAsync(result.Error, result.StatusCode, host).ConfigureAwait(false);
            }

            await _out.WriteLineAsync(result.Output switch
            {
                null => "null",
                { ValueKind: JsonValueKind.String } output when !parse.GetValue(json) => output.GetString(),
                { } output => Format.Json(output),
            }).ConfigureAwait(false);
            return Program.Success;
        }, ct));
        return command;
    }

    /// <summary>
    /// The <c>params</c> object of <c>--param key=value</c> pairs: values that parse as JSON keep their type (numbers,
    /// booleans, null, arrays, objects, quoted strings); others are strings. <see langword="null"/> for no pairs.
    /// </summary>
    internal static JsonElement? ParseParameters(IReadOnlyList<string> pairs)
    {
        if (pairs.Count == 0)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var pair in pairs)
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                writer.WritePropertyName(pair[..equals]);
                var value = pair[(equals + 1)..];
                try
                {
                    using var document = JsonDocument.Parse(value);
                    document.RootElement.WriteTo(writer);
                }
                catch (JsonException)
                {
                    writer.WriteStringValue(value);
                }
            }

            writer.WriteEndObject();
        }

        using var parsed = JsonDocument.Parse(buffer.ToArray());
        return parsed.RootElement.Clone();
    }

    // ---- shared ----------------------------------------------------------------------------------------------

    private static Argument<string> ModelArgument(string description)
    {
        var argument = new Argument<string>("model") { Description = description };
        argument.Validators.Add(result =>
        {
            var value = result.Tokens.Count == 1 ? result.Tokens[0].Value : null;
            if (!ModelIds.IsValid(value))
            {
                result.AddError($"'{value}' is not a model id: expected {ModelIds.Rule}.");
            }
        });
        return argument;
    }

    private static Option<bool> JsonOption() => new("--json") { Description = "Print JSON" };

    /// <summary>Creates the client from <c>--host</c> and <c>--key</c>, runs the command, and turns SDK failures into exit codes.</summary>
    private async Task<int> WithClientAsync(ParseResult parse, Func<BytezClient, string, Task<int>> body, CancellationToken cancellationToken)
    {
        var host = parse.GetValue(_host)!;
        if (!Uri.TryCreate(host, UriKind.Absolute, out var hostUri) || (hostUri.Scheme != Uri.UriSchemeHttp && hostUri.Scheme != Uri.UriSchemeHttps))
        {
            await _err.WriteLineAsync($"--host must be an http(s) URL, got '{host}'.").ConfigureAwait(false);
            return Program.UsageError;
        }

        var key = NonEmpty(parse.GetValue(_key)) ?? NonEmpty(_environment.GetVariable(KeyVariable));
        if (key is null)
        {
            await _err.WriteLineAsync($"No API key: pass --key or set {KeyVariable} (the server prints its key at first start).").ConfigureAwait(false);
            return Program.UsageError;
        }

        using var client = new BytezClient(new BytezClientOptions
        {
            ApiKey = key,
            BaseAddress = ApiBase(hostUri),
            TimeProvider = _environment.TimeProvider,
        });
        try
        {
            return await body(client, host).ConfigureAwait(false);
        }
        catch (BytezException exception)
        {
            return await FailAsync(exception.Message, exception.StatusCode, host).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await _err.WriteLineAsync("Cancelled.").ConfigureAwait(false);
            return Program.Interrupted;
        }
    }

    /// <summary>The API base of a host: <c>http://host:8080</c> becomes <c>http://host:8080/models/v2/</c>.</summary>
    internal static Uri ApiBase(Uri host)
    {
        var path = host.AbsolutePath.TrimEnd('/');
        if (!path.EndsWith("/models/v2", StringComparison.OrdinalIgnoreCase))
        {
            path += "/models/v2";
        }

        return new UriBuilder(host) { Path = path + "/", Query = "", Fragment = "" }.Uri;
    }

    /// <summary>Writes a failure on standard error: the server's message, or that the server cannot be reached.</summary>
    private async Task<int> FailAsync(string? error, HttpStatusCode? statusCode, string host)
    {
        var message = statusCode is null
            ? $"Cannot reach the Bytez server at {host}: {error}"
            : error ?? $"HTTP {(int)statusCode}";
        await _err.WriteLineAsync(message).ConfigureAwait(false);
        return Program.Failure;
    }

    private static string Describe(JsonElement? output) => output switch
    {
        { ValueKind: JsonValueKind.String } text => text.GetString()!,
        { } other => other.GetRawText(),
        null => "",
    };

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
