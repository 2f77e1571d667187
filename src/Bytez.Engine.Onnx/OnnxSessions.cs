using Microsoft.ML.OnnxRuntime;

namespace Bytez.Engine.Onnx;

/// <summary>
/// The one place that opens and runs ONNX Runtime sessions for the engine: the session options every model gets,
/// cancellation of a native run through <see cref="RunOptions.Terminate"/>, and the translation of
/// <see cref="OnnxRuntimeException"/> into <see cref="EngineException"/>. Every instance (encoders, embeddings,
/// decoders, encoder-decoders) opens and runs its sessions through here.
/// </summary>
public static class OnnxSessions
{
    /// <summary>
    /// Session options for <paramref name="options"/> (see <see cref="OnnxRuntimeOptions.CreateSessionOptions(int)"/>),
    /// with the weights of <paramref name="shared"/> added when given, and its slim model's folder when
    /// <paramref name="slim"/>; with <paramref name="intraOpThreads"/> intra-op threads when given, else
    /// <see cref="OnnxRuntimeOptions.IntraOpThreads"/>. The caller disposes them.
    /// </summary>
    public static SessionOptions CreateOptions(OnnxRuntimeOptions options, SharedInitializers? shared = null, bool slim = false, int? intraOpThreads = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var sessionOptions = options.CreateSessionOptions(intraOpThreads ?? options.IntraOpThreads);
        shared?.AddTo(sessionOptions);
        if (slim && shared?.SlimModelFolder is { } folder)
        {
            sessionOptions.AddSessionConfigEntry(SharedInitializers.ExternalDataFolderKey, folder);
        }

        return sessionOptions;
    }

    /// <summary>Opens a session over an ONNX file.</summary>
    /// <exception cref="EngineException">ONNX Runtime cannot load the file (Internal, naming the file).</exception>
    public static InferenceSession Open(string onnxPath, SessionOptions sessionOptions, PrePackedWeightsContainer? prepacked = null)
    {
        ArgumentNullException.ThrowIfNull(onnxPath);
        ArgumentNullException.ThrowIfNull(sessionOptions);
        try
        {
            return prepacked is null
                ? new InferenceSession(onnxPath, sessionOptions)
                : new InferenceSession(onnxPath, sessionOptions, prepacked);
        }
        catch (OnnxRuntimeException e)
        {
            throw CouldNotLoad(onnxPath, e);
        }
    }

    /// <summary>The error for a model file ONNX Runtime could not load.</summary>
    public static EngineException CouldNotLoad(string onnxPath, OnnxRuntimeException error) =>
        new(EngineErrorKind.Internal, $"ONNX Runtime could not load {onnxPath}: {error?.Message}", error);

    /// <summary>
    /// Runs <paramref name="session"/> into outputs the caller allocated. <paramref name="cancellationToken"/> stops
    /// the native run (through <paramref name="runOptions"/>, which must not be shared by concurrent runs).
    /// </summary>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    /// <exception cref="EngineException">ONNX Runtime failed (Internal).</exception>
    public static void Run(
        InferenceSession session, RunOptions runOptions, IReadOnlyCollection<string> inputNames, IReadOnlyCollection<OrtValue> inputs,
        IReadOnlyCollection<string> outputNames, IReadOnlyCollection<OrtValue> outputs, string what, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(runOptions);
        runOptions.Terminate = false;
        using (Terminating(runOptions, cancellationToken))
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                session.Run(runOptions, inputNames, inputs, outputNames, outputs);
            }
            catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }
            catch (OnnxRuntimeException e)
            {
                throw Failed(what, e);
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="session"/> and returns the outputs ONNX Runtime allocated (the caller disposes them).
    /// <paramref name="cancellationToken"/> stops the native run through <paramref name="runOptions"/>.
    /// </summary>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    /// <exception cref="EngineException">ONNX Runtime failed (Internal).</exception>
    public static IDisposableReadOnlyCollection<OrtValue> Run(
        InferenceSession session, RunOptions runOptions, IReadOnlyCollection<string> inputNames, IReadOnlyCollection<OrtValue> inputs,
        IReadOnlyCollection<string> outputNames, string what, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(runOptions);
        runOptions.Terminate = false;
        using (Terminating(runOptions, cancellationToken))
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                return session.Run(runOptions, inputNames, inputs, outputNames);
            }
            catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }
            catch (OnnxRuntimeException e)
            {
                throw Failed(what, e);
            }
        }
    }

    private static CancellationTokenRegistration Terminating(RunOptions runOptions, CancellationToken cancellationToken) =>
        cancellationToken.CanBeCanceled
            ? cancellationToken.Register(static s => ((RunOptions)s!).Terminate = true, runOptions)
            : default;

    private static EngineException Failed(string what, OnnxRuntimeException e) =>
        new(EngineErrorKind.Internal, $"ONNX Runtime failed to run {what}: {e.Message}", e);
}
