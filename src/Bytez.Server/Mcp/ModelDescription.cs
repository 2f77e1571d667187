using System.Text.Json;
using Bytez.Engine;
using Bytez.Protocol;
using Bytez.Server.Apis;

namespace Bytez.Server.Mcp;

/// <summary>
/// A model as the MCP tools and resources describe it: its listing entry (<see cref="ListApi.ToModelInfo"/>: id, task,
/// billions of parameters, GB of memory), whether that memory was measured, its cluster's state, and, in full, what its
/// task takes (request keys, parameters) and answers.
/// </summary>
public static class ModelDescription
{
    /// <summary>The state of a model with no cluster: nothing is loaded; the first run loads it.</summary>
    public const string NotLoaded = "not loaded";

    /// <summary>Writes the description of <paramref name="model"/>; <paramref name="full"/> adds its task's contract.</summary>
    public static void Write(Utf8JsonWriter writer, InferenceEngine engine, ModelDescriptor model, bool full)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(model);
        var info = ListApi.ToModelInfo(engine, model);
        var cluster = engine.FindCluster(model.Id);
        writer.WriteStartObject();
        writer.WriteString("modelId", info.ModelId);
        writer.WriteString("task", info.Task);
        writer.WriteNumber("params", info.Params);
        writer.WriteNumber("ramRequired", info.RamRequired);
        writer.WriteBoolean("ramMeasured", engine.RamRequired(model).Measured);
        writer.WriteString("state", cluster?.Status ?? NotLoaded);
        writer.WriteNumber("instances", cluster?.Instances ?? 0);
        if (full && engine.FindContract(model.Task) is { } contract)
        {
            writer.WriteString("uri", ModelResource.UriOf(model.Id));
            WriteContract(writer, contract);
        }

        writer.WriteEndObject();
    }

    /// <summary>Writes what a task takes and answers: <c>inputKeys</c>, <c>parameters</c> (name, type, default, doc), <c>output</c>.</summary>
    public static void WriteContract(Utf8JsonWriter writer, TaskContract contract)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(contract);
        writer.WriteStartArray("inputKeys");
        foreach (var key in contract.InputKeys)
        {
            writer.WriteStringValue(key);
        }

        writer.WriteEndArray();
        writer.WriteStartArray("parameters");
        foreach (var parameter in contract.Parameters)
        {
            writer.WriteStartObject();
            writer.WriteString("name", parameter.Name);
            writer.WriteString("type", parameter.Type);
            writer.WriteString("default", parameter.Default);
            writer.WriteString("doc", parameter.Doc);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteString("output", contract.Output);
    }

    /// <summary>Writes <c>{"models": [...]}</c>: the catalog's models of <paramref name="task"/> (all when null), sorted by id.</summary>
    public static void WriteList(Utf8JsonWriter writer, InferenceEngine engine, string? task, string? modelId)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(engine);
        writer.WriteStartObject();
        writer.WriteStartArray("models");
        foreach (var model in engine.Catalog.List(task)
                     .Where(m => modelId is null || string.Equals(m.Id, modelId, StringComparison.OrdinalIgnoreCase))
                     .OrderBy(m => m.Id, StringComparer.Ordinal))
        {
            Write(writer, engine, model, full: false);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
