using System.CommandLine;
using System.Globalization;

namespace Bytez.Cli;

internal sealed partial class BytezCommands
{
    private static readonly string[] Scopes = [ApiKeyScope.Run, ApiKeyScope.ModelsRequest, ApiKeyScope.ClustersManage, ApiKeyScope.Admin];

    /// <summary><c>bytez keys create|list|limits|revoke|rotate|audit</c>: the server's admin API of keys (needs an admin key).</summary>
    private Command KeysCommand()
    {
        var command = new Command("keys", "Create, list, revoke and rotate the server's API keys (needs a key with the admin scope)")
        {
            KeysCreateCommand(), KeysListCommand(), KeysLimitsCommand(), KeysRevokeCommand(), KeysRotateCommand(), KeysAuditCommand(),
        };
        return command;
    }

    private Command KeysCreateCommand()
    {
        var name = new Argument<string>("name") { Description = "Who or what uses the key, for example \"ci script\"" };
        var scopes = new Option<string[]>("--scope")
        {
            Description = $"A scope of the key, repeat for more: {string.Join(", ", Scopes)} (default: {ApiKeyScope.Run})",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        scopes.AcceptOnlyFromAmong(Scopes);
        var expires = new Option<DateTimeOffset?>("--expires") { Description = "When the key stops working, an ISO 8601 date and time such as 2027-01-01T00:00:00Z" };
        var models = new Option<string[]>("--model")
        {
            Description = "A model id pattern the key may use (Qwen/*), repeat for more (default: every model)",
            Arity = ArgumentArity.OneOrMore,
        };
        var limits = new KeyLimitOptions();
        var json = new Option<bool>("--json") { Description = "Print the new key and its record as JSON" };
        var command = new Command("create", "Create a key and print its secret, the only time it is shown")
        {
            name, scopes, expires, models, limits.Concurrent, limits.RequestsPerMinute, limits.TokensPerDay, json,
        };
        command.SetAction((parse, ct) => WithClientAsync(parse, async (client, host) =>
        {
            var given = parse.GetValue(scopes);
            var allowed = parse.GetValue(models);
            var created = await client.Admin.CreateKeyAsync(
                new ApiKeyCreateOptions
                {
                    Name = parse.GetValue(name)!,
                    Scopes = given is { Length: > 0 } ? given : [ApiKeyScope.Run],
                    ExpiresAt = parse.GetValue(expires),
                    AllowedModels = allowed is { Length: > 0 } ? allowed : null,
                    Limits = limits.AnyGiven(parse) ? limits.Over(parse, new ApiKeyLimits()) : null,
                },
                ct).ConfigureAwait(false);
            return await WriteNewKeyAsync(created, parse.GetValue(json), host).ConfigureAwait(false);
        }, ct));
        return command;
    }

    private Command KeysListCommand()
    {
        var json = JsonOption();
        var command = new Command("list", "List the keys: id, name, prefix, scopes, times (never a secret)") { json };
        command.SetAction((parse, ct) => WithClientAsync(parse, async (client, host) =>
        {
            var keys = await client.Admin.ListKeysAsync(ct).ConfigureAwait(false);
            if (!keys.IsSuccess)
            {
                return await FailAsync(keys.Error, keys.StatusCode, host).ConfigureAwait(false);
            }

            await _out.WriteLineAsync(parse.GetValue(json)
                ? Format.Json(keys.Output!, CliJsonContext.Default.IReadOnlyListApiKeyInfo)
                : KeyTable(keys.Output!)).ConfigureAwait(false);
            return Program.Success;
        }, ct));
        return command;
    }

    private Command KeysLimitsCommand()
    {
        var id = new Argument<string>("id") { Description = "The key's id (bytez keys list shows it)" };
        var limits = new KeyLimitOptions();
        var json = JsonOption();
        var command = new Command(
            "limits",
            "Show a key's limits, or change the ones given (a number, 0 for no limit, or 'default' for the server's default); the others are kept")
        {
            id, limits.Concurrent, limits.RequestsPerMinute, limits.TokensPerDay, json,
        };
        command.SetAction((parse, ct) => WithClientAsync(parse, async (client, host) =>
        {
            var keyId = parse.GetValue(id)!;
            var keys = await client.Admin.ListKeysAsync(ct).ConfigureAwait(false);
            if (!keys.IsSuccess)
            {
                return await FailAsync(keys.Error, keys.StatusCode, host).ConfigureAwait(false);
            }

            var key = keys.Output!.FirstOrDefault(k => k.Id == keyId);
            if (key is null)
            {
                await _err.WriteLineAsync($"No key '{keyId}' (bytez keys list shows the ids).").ConfigureAwait(false);
                return Program.Failure;
            }

            if (limits.AnyGiven(parse))
            {
                // The SDK sets the whole limits: the ones not given are sent as the key holds them now.
                var changed = await client.Admin.SetKeyLimitsAsync(keyId, limits.Over(parse, key.Limits), ct).ConfigureAwait(false);
                if (!changed.IsSuccess)
                {
                    return await FailAsync(changed.Error, changed.StatusCode, host).ConfigureAwait(false);
                }

                key = changed.Output!;
            }

            await _out.WriteLineAsync(parse.GetValue(json)
                ? Format.Json(key.Limits, CliJsonContext.Default.ApiKeyLimits)
                : $"{key.Id} ({key.Name}): concurrent requests {ShowLimit(key.Limits.ConcurrentRequests)}, "
                  + $"requests per minute {ShowLimit(key.Limits.RequestsPerMinute)}, "
                  + $"generated tokens per day {ShowLimit(key.Limits.GeneratedTokensPerDay)}").ConfigureAwait(false);
            return Program.Success;
        }, ct));
        return command;
    }

    private Command KeysRevokeCommand()
    {
        var id = new Argument<string>("id") { Description = "The key's id (bytez keys list shows it)" };
        var command = new Command("revoke", "Revoke a key: its next request is refused") { id };
        command.SetAction((parse, ct) => WithClientAsync(parse, async (client, host) =>
        {
            var revoked = await client.Admin.RevokeKeyAsync(parse.GetValue(id)!, ct).ConfigureAwait(false);
            if (!revoked.IsSuccess)
            {
                return await FailAsync(revoked.Error, revoked.StatusCode, host).ConfigureAwait(false);
            }

            await _out.WriteLineAsync($"Revoked: {revoked.Output!.Id} ({revoked.Output.Name}, {revoked.Output.Prefix}…)").ConfigureAwait(false);
            return Program.Success;
        }, ct));
        return command;
    }

    private Command KeysRotateCommand()
    {
        var id = new Argument<string>("id") { Description = "The key's id (bytez keys list shows it)" };
        var json = new Option<bool>("--json") { Description = "Print the new key and its record as JSON" };
        var command = new Command("rotate", "Give a key a new secret and print it (the old one stops working)") { id, json };
        command.SetAction((parse, ct) => WithClientAsync(parse, async (client, host) =>
        {
            var rotated = await client.Admin.RotateKeyAsync(parse.GetValue(id)!, ct).ConfigureAwait(false);
            return await WriteNewKeyAsync(rotated, parse.GetValue(json), host).ConfigureAwait(false);
        }, ct));
        return command;
    }

    private Command KeysAuditCommand()
    {
        var limit = new Option<int>("--limit") { Description = "How many of the newest rows, 1 to 10000", DefaultValueFactory = _ => 100 };
        limit.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 10_000)
            {
                r.AddError("--limit must be from 1 to 10000.");
            }
        });
        var json = JsonOption();
        var command = new Command("audit", "Show the audit log of keys: who created, revoked or rotated which key, and when") { limit, json };
        command.SetAction((parse, ct) => WithClientAsync(parse, async (client, host) =>
        {
            var rows = await client.Admin.GetKeyAuditAsync(parse.GetValue(limit), ct).ConfigureAwait(false);
            if (!rows.IsSuccess)
            {
                return await FailAsync(rows.Error, rows.StatusCode, host).ConfigureAwait(false);
            }

            await _out.WriteLineAsync(parse.GetValue(json)
                ? Format.Json(rows.Output!, CliJsonContext.Default.IReadOnlyListApiKeyAuditRecord)
                : AuditTable(rows.Output!)).ConfigureAwait(false);
            return Program.Success;
        }, ct));
        return command;
    }

    /// <summary>Prints a new secret on standard output (alone, so <c>$(bytez keys create ...)</c> captures it) and its record on standard error.</summary>
    private async Task<int> WriteNewKeyAsync(BytezResult<NewApiKey> result, bool json, string host)
    {
        if (!result.IsSuccess)
        {
            return await FailAsync(result.Error, result.StatusCode, host).ConfigureAwait(false);
        }

        var key = result.Output!;
        if (json)
        {
            await _out.WriteLineAsync(Format.Json(key, CliJsonContext.Default.NewApiKey)).ConfigureAwait(false);
        }
        else
        {
            await _out.WriteLineAsync(key.Key).ConfigureAwait(false);
        }

        await _err.WriteLineAsync(
            $"Key {key.Record.Id} ({key.Record.Name}; scopes {string.Join(", ", key.Record.Scopes)}). Keep the secret now: it is never shown again.")
            .ConfigureAwait(false);
        return Program.Success;
    }

    /// <summary>The keys as a table; a secret is never in it (the server never sends one).</summary>
    internal static string KeyTable(IReadOnlyList<ApiKeyInfo> keys)
    {
        if (keys.Count == 0)
        {
            return "No keys.";
        }

        var rows = new List<string[]> { new[] { "ID", "NAME", "PREFIX", "SCOPES", "MODELS", "CONCURRENT", "REQ/MIN", "TOKENS/DAY", "CREATED", "EXPIRES", "LAST USED", "REVOKED" } };
        rows.AddRange(keys.Select(k => new[]
        {
            k.Id,
            k.Name,
            k.Prefix + "…",
            string.Join(",", k.Scopes),
            k.AllowedModels.Count == 0 ? "*" : string.Join(",", k.AllowedModels),
            ShowLimit(k.Limits.ConcurrentRequests),
            ShowLimit(k.Limits.RequestsPerMinute),
            ShowLimit(k.Limits.GeneratedTokensPerDay),
            Format.Time(k.CreatedAt),
            k.ExpiresAt is { } expires ? Format.Time(expires) : "-",
            k.LastUsedAt is { } used ? Format.Time(used) : "-",
            k.RevokedAt is { } revoked ? Format.Time(revoked) : "-",
        }));
        using var writer = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        Format.Table(writer, rows);
        return writer.ToString().TrimEnd('\n');
    }

    /// <summary>A key's limit as the tables show it: the number, <c>none</c> for 0, <c>default</c> for the server's default.</summary>
    internal static string ShowLimit(long? value) => value switch
    {
        null => "default",
        0 => "none",
        { } v => v.ToString(CultureInfo.InvariantCulture),
    };

    internal static string AuditTable(IReadOnlyList<ApiKeyAuditRecord> rows)
    {
        if (rows.Count == 0)
        {
            return "No audit rows.";
        }

        var table = new List<string[]> { new[] { "#", "AT", "ACTION", "KEY", "BY", "DETAIL" } };
        table.AddRange(rows.Select(r => new[]
        {
            r.Sequence.ToString(CultureInfo.InvariantCulture), Format.Time(r.At), r.Action, r.KeyId ?? "", r.Actor ?? "", r.Detail ?? "",
        }));
        using var writer = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        Format.Table(writer, table, 0);
        return writer.ToString().TrimEnd('\n');
    }
}
