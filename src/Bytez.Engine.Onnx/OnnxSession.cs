using Microsoft.ML.OnnxRuntime;

namespace Bytez.Engine.Onnx;

/// <summary>
/// One ONNX Runtime session with its own <see cref="RunOptions"/>: runs one call at a time, cancellable, its failures
/// reported as <see cref="EngineException"/>s (through <see cref="OnnxSessions"/>).
/// </summary>
public sealed class OnnxSession : IDisposable
{
    private readonly RunOptions _runOptions = new();

    /// <summary>Wraps an open session; this object owns and disposes it.</summary>
    public OnnxSession(InferenceSession session) => Session = session ?? throw new ArgumentNullException(nameof(session));

    /// <summary>The ONNX Runtime session (for its metadata).</summary>
    public InferenceSession Session { get; }

    /// <summary>Runs into outputs the caller allocated; <paramref name="cancellationToken"/> terminates the native run.</summary>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    /// <exception cref="EngineException">ONNX Runtime failed (Internal).</exception>
    public void Run(
        IReadOnlyCollection<string> inputNames, IReadOnlyCollection<OrtValue> inputs,
        IReadOnlyCollection<string> outputNames, IReadOnlyCollection<OrtValue> outputs, CancellationToken cancellationToken) =>
        OnnxSessions.Run(Session, _runOptions, inputNames, inputs, outputNames, outputs, "the model", cancellationToken);

    /// <summary>Runs and returns the outputs ONNX Runtime allocated (the caller disposes them).</summary>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    /// <exception cref="EngineException">ONNX Runtime failed (Internal).</exception>
    public IDisposableReadOnlyCollection<OrtValue> Run(
        IReadOnlyCollection<string> inputNames, IReadOnlyCollection<OrtValue> inputs, IReadOnlyCollection<string> outputNames,
        CancellationToken cancellationToken) =>
        OnnxSessions.Run(Session, _runOptions, inputNames, inputs, outputNames, "the model", cancellationToken);

    /// <inheritdoc />
    public void Dispose()
    {
        Session.Dispose();
        _runOptions.Dispose();
    }
}
