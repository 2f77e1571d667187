using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Bytez.Engine.Metering;

namespace Bytez.Server.Observability;

/// <summary>
/// The usage counters by key, on the meter <see cref="MeterName"/> (exported to Prometheus with the engine's): requests,
/// inference seconds, input and generated tokens, downloads requested, each labelled with the key's NAME (never the key)
/// and the model. The first <c>maxKeyLabels</c> names seen get their own label and later ones count as
/// <see cref="OtherKey"/>; models outside the catalog count under the engine's <c>other</c> model label. So the series
/// stay bounded whatever clients do.
/// </summary>
public sealed class UsageMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Bytez.Usage";

    /// <summary>The <c>key</c> label of every key name past the cap.</summary>
    public const string OtherKey = "other";

    private readonly Meter _meter;
    private readonly int _maxKeyLabels;
    private readonly Func<string, string> _modelLabel;
    private readonly ConcurrentDictionary<string, bool> _keys = new(StringComparer.Ordinal);
    private readonly Counter<long> _requests;
    private readonly Counter<double> _inference;
    private readonly Counter<long> _tokens;
    private readonly Counter<long> _downloads;

    /// <summary>
    /// Creates the instruments on a new meter (from <paramref name="meterFactory"/> when given);
    /// <paramref name="modelLabel"/> turns a model id into its label (the engine's rule).
    /// </summary>
    public UsageMetrics(IMeterFactory? meterFactory, int maxKeyLabels, Func<string, string> modelLabel)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxKeyLabels);
        _maxKeyLabels = maxKeyLabels;
        _modelLabel = modelLabel ?? throw new ArgumentNullException(nameof(modelLabel));
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _requests = _meter.CreateCounter<long>("bytez.usage.requests", "{request}", "Runs served, by key name and model.");
        _inference = _meter.CreateCounter<double>("bytez.usage.inference.time", "s", "Seconds models spent running requests (what Bytez bills), by key name and model.");
        _tokens = _meter.CreateCounter<long>("bytez.usage.tokens", "{token}", "Tokens, by key name, model and type (input, generated).");
        _downloads = _meter.CreateCounter<long>("bytez.usage.downloads", "{request}", "Model requests (downloads) accepted, by key name and model.");
    }

    /// <summary>Adds one report of usage by the key named <paramref name="keyName"/>.</summary>
    public void Record(string keyName, in ModelUsage usage)
    {
        var key = KeyLabel(keyName);
        var model = _modelLabel(usage.ModelId);
        if (usage.Requests > 0)
        {
            _requests.Add(usage.Requests, new TagList { { "key", key }, { "model", model } });
        }

        if (usage.InferenceTime > TimeSpan.Zero)
        {
            _inference.Add(usage.InferenceTime.TotalSeconds, new TagList { { "key", key }, { "model", model } });
        }

        if (usage.InputTokens > 0)
        {
            _tokens.Add(usage.InputTokens, new TagList { { "key", key }, { "model", model }, { "type", "input" } });
        }

        if (usage.GeneratedTokens > 0)
        {
            _tokens.Add(usage.GeneratedTokens, new TagList { { "key", key }, { "model", model }, { "type", "generated" } });
        }

        if (usage.DownloadRequests > 0)
        {
            _downloads.Add(usage.DownloadRequests, new TagList { { "key", key }, { "model", model } });
        }
    }

    /// <summary>The <c>key</c> label of a key name: the name while fewer than the cap have been seen, else <see cref="OtherKey"/>.</summary>
    public string KeyLabel(string keyName)
    {
        if (_keys.ContainsKey(keyName))
        {
            return keyName;
        }

        lock (_keys)
        {
            if (_keys.Count < _maxKeyLabels)
            {
                _keys.TryAdd(keyName, true);
                return keyName;
            }
        }

        return _keys.ContainsKey(keyName) ? keyName : OtherKey;
    }

    /// <summary>Disposes the meter.</summary>
    public void Dispose() => _meter.Dispose();
}
