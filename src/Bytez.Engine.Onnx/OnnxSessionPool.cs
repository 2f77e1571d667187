using Microsoft.ML.OnnxRuntime;

namespace Bytez.Engine.Onnx;

/// <summary>
/// One ONNX file loaded into several sessions (single-threaded by default, see
/// <see cref="OnnxRuntimeOptions.IntraOpThreads"/>) that run in parallel. With
/// <see cref="OnnxRuntimeOptions.ShareWeights"/> and more than one session, the weights are read once into memory all
/// sessions use (<see cref="SharedInitializers"/>); the sessions always share one pre-packed weights container. Each
/// <see cref="OnnxSession"/> runs one call at a time; the pool is what encoder, embedding and encoder-decoder instances
/// build on.
/// </summary>
public sealed class OnnxSessionPool : IDisposable
{
    private readonly OnnxSession[] _sessions;
    private readonly PrePackedWeightsContainer _prepacked;
    private readonly SharedInitializers? _shared;
    private int _disposed;

    private OnnxSessionPool(string path, OnnxSession[] sessions, PrePackedWeightsContainer prepacked, SharedInitializers? shared)
    {
        Path = path;
        _sessions = sessions;
        _prepacked = prepacked;
        _shared = shared;
    }

    /// <summary>The ONNX file the sessions run.</summary>
    public string Path { get; }

    /// <summary>The sessions; each runs one call at a time.</summary>
    public IReadOnlyList<OnnxSession> Sessions => _sessions;

    /// <summary>How many sessions the pool holds.</summary>
    public int Count => _sessions.Length;

    /// <summary>The model's inputs (the same for every session).</summary>
    public IReadOnlyDictionary<string, NodeMetadata> InputMetadata => _sessions[0].Session.InputMetadata;

    /// <summary>The model's outputs (the same for every session).</summary>
    public IReadOnlyDictionary<string, NodeMetadata> OutputMetadata => _sessions[0].Session.OutputMetadata;

    /// <summary>Bytes of weights held once for all the sessions; 0 when each session holds its own.</summary>
    public long SharedWeightBytes => _shared?.Bytes ?? 0;

    /// <summary>
    /// Opens <paramref name="sessions"/> sessions (at least one) over <paramref name="onnxPath"/> with the session
    /// options of <paramref name="options"/>, sharing the weights when <see cref="OnnxRuntimeOptions.ShareWeights"/> is
    /// on and there is more than one session.
    /// </summary>
    /// <exception cref="EngineException">ONNX Runtime cannot load the file.</exception>
    public static OnnxSessionPool Open(string onnxPath, OnnxRuntimeOptions options, int sessions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(sessions, 1);
        return Open(onnxPath, options, Enumerable.Repeat(options.IntraOpThreads, sessions).ToArray(), cancellationToken);
    }

    /// <summary>
    /// Opens one session per entry of <paramref name="threads"/> (at least one) over <paramref name="onnxPath"/>, each
    /// with that many intra-op threads and otherwise the session options of <paramref name="options"/>, sharing the
    /// weights as <see cref="Open(string, OnnxRuntimeOptions, int, CancellationToken)"/> does. An encoder-decoder
    /// instance opens its graphs this way: a session for concurrent requests and a wider one for a lone request
    /// (<see cref="OnnxThreadPlan"/>).
    /// </summary>
    /// <exception cref="EngineException">ONNX Runtime cannot load the file.</exception>
    public static OnnxSessionPool Open(string onnxPath, OnnxRuntimeOptions options, IReadOnlyList<int> threads, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onnxPath);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(threads);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads.Count, 1);
        var sessions = threads.Count;
        var prepacked = new PrePackedWeightsContainer();
        var opened = new List<OnnxSession>();
        SharedInitializers? shared = null;
        SessionOptions? sessionOptions = null;
        try
        {
            if (options.ShareWeights && sessions > 1)
            {
                try
                {
                    shared = SharedInitializers.Read(onnxPath);
                }
                catch (InvalidDataException)
                {
                    // Not a protobuf we can walk: let ONNX Runtime read the file (and report what is wrong with it).
                }

                if (shared is { Count: 0 })
                {
                    shared.Dispose();
                    shared = null;
                }
            }

            // The slim model (weights left in the file) spares each session parsing the weights; the file is the fallback.
            var slim = shared?.SlimModel;
            for (var i = 0; i < sessions; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (sessionOptions is null || threads[i] != threads[i - 1])
                {
                    sessionOptions?.Dispose();
                    sessionOptions = null;
                    sessionOptions = OnnxSessions.CreateOptions(options, shared, slim is not null, threads[i]);
                }

                InferenceSession session;
                if (slim is not null)
                {
                    try
                    {
                        session = new InferenceSession(slim, sessionOptions, prepacked);
                    }
                    catch (OnnxRuntimeException) when (opened.Count == 0)
                    {
                        slim = null;
                        sessionOptions.Dispose();
                        sessionOptions = null;
                        sessionOptions = OnnxSessions.CreateOptions(options, shared, slim: false, threads[i]);
                        session = OnnxSessions.Open(onnxPath, sessionOptions, prepacked);
                    }
                    catch (OnnxRuntimeException e)
                    {
                        throw OnnxSessions.CouldNotLoad(onnxPath, e);
                    }
                }
                else
                {
                    session = OnnxSessions.Open(onnxPath, sessionOptions, prepacked);
                }

                opened.Add(new OnnxSession(session));
            }

            return new OnnxSessionPool(onnxPath, [.. opened], prepacked, shared);
        }
        catch
        {
            foreach (var session in opened)
            {
                session.Dispose();
            }

            prepacked.Dispose();
            shared?.Dispose(); // after the sessions that use its memory
            throw;
        }
        finally
        {
            sessionOptions?.Dispose();
        }
    }

    /// <summary>Disposes the sessions, then the weights they shared.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var session in _sessions)
        {
            session.Dispose();
        }

        _prepacked.Dispose();
        _shared?.Dispose(); // after the sessions that use its memory
    }
}
