using System.Collections.Concurrent;

namespace Bytez.Engine;

/// <summary>
/// The models this server can run. Ids are matched without regard to case, as the Hugging Face hub does, and the
/// canonical spelling is kept.
/// </summary>
public sealed class ModelCatalog
{
    private readonly ConcurrentDictionary<string, ModelDescriptor> _models = new(StringComparer.OrdinalIgnoreCase);

    private readonly ConcurrentDictionary<string, ModelFailure> _failures = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Adds a model, or replaces the entry with the same id (and forgets a failure recorded under it).</summary>
    public void Add(ModelDescriptor model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _models[model.Id] = model;
        _failures.TryRemove(model.Id, out _);
    }

    /// <summary>Records a model folder that could not be described, so that it is listed as failed rather than hidden.</summary>
    public void AddFailure(ModelFailure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        _failures[failure.ModelId] = failure;
    }

    /// <summary>Replaces every recorded failure with <paramref name="failures"/> (the result of a whole new scan).</summary>
    public void SetFailures(IEnumerable<ModelFailure> failures)
    {
        ArgumentNullException.ThrowIfNull(failures);
        var current = failures.ToDictionary(f => f.ModelId, StringComparer.OrdinalIgnoreCase);
        foreach (var id in _failures.Keys)
        {
            if (!current.ContainsKey(id))
            {
                _failures.TryRemove(id, out _);
            }
        }

        foreach (var failure in current.Values)
        {
            _failures[failure.ModelId] = failure;
        }
    }

    /// <summary>The model folders that could not be described, ordered by id.</summary>
    public IReadOnlyList<ModelFailure> Failures() =>
        _failures.Values.OrderBy(f => f.ModelId, StringComparer.Ordinal).ToList();

    /// <summary>Adds several models.</summary>
    public void AddRange(IEnumerable<ModelDescriptor> models)
    {
        ArgumentNullException.ThrowIfNull(models);
        foreach (var model in models)
        {
            Add(model);
        }
    }

    /// <summary>Removes the model with this id; returns whether it was there.</summary>
    public bool Remove(string modelId) => _models.TryRemove(modelId, out _);

    /// <summary>The model with this id, or <see langword="null"/>.</summary>
    public ModelDescriptor? Find(string modelId) =>
        _models.TryGetValue(modelId, out var model) ? model : null;

    /// <summary>All models, optionally only those of one task, ordered by id.</summary>
    public IReadOnlyList<ModelDescriptor> List(string? task = null) =>
        _models.Values
            .Where(m => task is null || string.Equals(m.Task, task, StringComparison.Ordinal))
            .OrderBy(m => m.Id, StringComparer.Ordinal)
            .ToList();
}
