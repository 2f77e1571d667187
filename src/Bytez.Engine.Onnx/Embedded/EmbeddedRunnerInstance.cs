namespace Bytez.Engine.Onnx.Embedded;

/// <summary>
/// An embedded media model (ResNet18 featurizer, Silero VAD) loaded as a model instance that holds its runner, for the
/// pipeline of its task to call. The instance owns and disposes the runner.
/// </summary>
/// <typeparam name="TRunner">The runner (<see cref="ResNet18Featurizer"/>, <see cref="SileroVad"/>).</typeparam>
public sealed class EmbeddedRunnerInstance<TRunner> : IModelInstance
    where TRunner : IDisposable
{
    /// <summary>Wraps an opened runner.</summary>
    public EmbeddedRunnerInstance(ModelDescriptor model, TRunner runner)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Runner = runner ?? throw new ArgumentNullException(nameof(runner));
    }

    /// <inheritdoc />
    public ModelDescriptor Model { get; }

    /// <summary>The runner that serves the model.</summary>
    public TRunner Runner { get; }

    /// <inheritdoc />
    public void Dispose() => Runner.Dispose();
}
