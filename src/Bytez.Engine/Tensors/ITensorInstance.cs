namespace Bytez.Engine.Tensors;

/// <summary>
/// A loaded model fed named tensors: every vision and audio encoder (image and audio classifiers, detectors,
/// segmenters, depth estimators, feature extractors, CTC speech models). The task pipelines turn media into rows with
/// the preprocessing of <see cref="Config"/> (<see cref="TensorModelConfig.Preprocessor"/>), run them, and read the
/// outputs with the labels of <see cref="Config"/>. Concurrent rows whose shapes agree are batched by the runtime.
/// </summary>
public interface ITensorInstance : IModelInstance
{
    /// <summary>The model's <c>config.json</c> (labels, model type, architectures) and <c>preprocessor_config.json</c>.</summary>
    TensorModelConfig Config { get; }

    /// <summary>The inputs the model takes, in graph order; a row gives every one of them.</summary>
    IReadOnlyList<TensorInfo> Inputs { get; }

    /// <summary>The outputs every row gets, in graph order.</summary>
    IReadOnlyList<TensorInfo> Outputs { get; }

    /// <summary>
    /// Runs the rows and returns one result per row, in input order. Rows of equal shapes (of this call and of
    /// concurrent calls) run in one batch; rows of different shapes run in separate batches, never padded. A whole
    /// feed (<see cref="TensorRow.Whole"/>) runs once on its own, its outputs with their batch axis.
    /// </summary>
    /// <exception cref="EngineException">
    /// A row has a wrong element type or shape (BadInput, naming the input and what the model takes); a row lacks an
    /// input the model takes or has one it does not (NotSupported: the model is not one the task feeds); the runtime
    /// failed (Internal).
    /// </exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    ValueTask<TensorResult[]> RunAsync(IReadOnlyList<TensorRow> rows, CancellationToken cancellationToken);
}
