using Bytez.Engine.Generation;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Bytez.Engine.Onnx.Seq2Seq;

/// <summary>
/// An encoder-decoder model on ONNX Runtime, loaded by <see cref="OnnxSeq2SeqLoader"/>: the encoder session, the
/// decoder session(s) and the tokenizer. Each request encodes its source once and decodes in its own
/// <see cref="ISeq2SeqDecoding"/> (its rows are the beams). Each graph has a shared session, which runs the calls of
/// concurrent requests, and, when the <see cref="ThreadPlan"/> has them, a wide session with every thread of the budget
/// for the runs of a lone request; <see cref="OnnxThreadBudget"/> keeps the threads of all runs within the budget.
/// </summary>
public sealed class OnnxSeq2SeqInstance : IMediaSeq2SeqInstance
{
    private readonly OnnxSessionPool _encoder;
    private readonly OnnxSessionPool _decoder;
    private readonly OnnxSessionPool? _decoderWithPast;
    private readonly OnnxThreadBudget _budget;
    private int _disposed;
    private int _open;

    internal OnnxSeq2SeqInstance(
        ModelDescriptor model, Seq2SeqFiles files, Seq2SeqModelConfig config, ITextTokenizer tokenizer,
        OnnxSessionPool encoderSessions, OnnxSessionPool decoderSessions, OnnxSessionPool? decoderWithPastSessions, OnnxThreadBudget budget)
    {
        Model = model;
        Files = files;
        Configuration = config;
        Tokenizer = tokenizer;
        _encoder = encoderSessions;
        _decoder = decoderSessions;
        _decoderWithPast = decoderWithPastSessions;
        _budget = budget;
        var encoder = encoderSessions.Sessions[0].Session;
        var decoder = decoderSessions.Sessions[0].Session;
        var decoderWithPast = decoderWithPastSessions?.Sessions[0].Session;
        Encoder = encoder;
        Decoder = decoder;
        DecoderWithPast = decoderWithPast;

        string Fail(string what) => $"The encoder-decoder in {model.Path} is not an Optimum seq2seq export this server runs: {what}.";
        var encoderInputs = encoder.InputMetadata.Keys.ToArray();
        SourceKind = encoderInputs.Contains("input_features") ? Seq2SeqSourceKind.AudioFeatures
            : encoderInputs.Contains("pixel_values") ? Seq2SeqSourceKind.Pixels
            : Seq2SeqSourceKind.Text;
        SourceInput = SourceKind switch
        {
            Seq2SeqSourceKind.AudioFeatures => "input_features",
            Seq2SeqSourceKind.Pixels => "pixel_values",
            _ => "input_ids",
        };
        foreach (var name in encoderInputs)
        {
            if (name != SourceInput && name != "attention_mask")
            {
                throw EngineException.NotSupported(Fail($"its encoder takes an input '{name}' (expected input_ids, input_features or pixel_values, and attention_mask)"));
            }
        }

        if (!encoder.InputMetadata.ContainsKey(SourceInput))
        {
            throw EngineException.NotSupported(Fail("its encoder takes no input_ids, input_features nor pixel_values"));
        }

        var sourceMeta = encoder.InputMetadata[SourceInput];
        if (SourceKind != Seq2SeqSourceKind.Text && sourceMeta.ElementDataType != TensorElementType.Float)
        {
            throw EngineException.NotSupported(Fail($"its encoder's {SourceInput} is {sourceMeta.ElementDataType} (expected float32)"));
        }

        var expectedRank = SourceKind == Seq2SeqSourceKind.Pixels ? 4 : 3;
        if (SourceKind != Seq2SeqSourceKind.Text && sourceMeta.Dimensions.Length != expectedRank)
        {
            throw EngineException.NotSupported(Fail($"its encoder's {SourceInput} has {sourceMeta.Dimensions.Length} dimensions (expected {expectedRank})"));
        }

        SourceShape = SourceKind == Seq2SeqSourceKind.Text ? [] : sourceMeta.Dimensions.Skip(1).Select(d => Math.Max(d, 0)).ToArray();

        EncoderOutput = encoder.OutputMetadata.ContainsKey("last_hidden_state") ? "last_hidden_state" : encoder.OutputNames[0];
        var cached = decoderWithPast ?? decoder;
        foreach (var session in new[] { decoder, decoderWithPast })
        {
            if (session is null)
            {
                continue;
            }

            if (!session.OutputMetadata.ContainsKey("logits") || !session.InputMetadata.ContainsKey("input_ids"))
            {
                throw EngineException.NotSupported(Fail("a decoder lacks the input_ids input or the logits output"));
            }

            foreach (var name in session.InputMetadata.Keys)
            {
                if (name is not ("input_ids" or "encoder_attention_mask" or "encoder_hidden_states" or "use_cache_branch" or "cache_position")
                    && !name.StartsWith("past_key_values.", StringComparison.Ordinal))
                {
                    throw EngineException.NotSupported(Fail($"a decoder takes an input '{name}'"));
                }
            }
        }

        // Two namings of the cache: seq2seq decoders (BART, T5, Whisper, TrOCR) keep self- and cross-attention,
        // past_key_values.{i}.decoder.* and .encoder.*; a decoder-only model inside a VisionEncoderDecoder (ViT-GPT2's
        // GPT-2) keeps self-attention only, past_key_values.{i}.key / .value, and reads encoder_hidden_states every step.
        var crossCached = cached.InputMetadata.Keys.Any(k => k.StartsWith("past_key_values.", StringComparison.Ordinal) && k.EndsWith(".decoder.key", StringComparison.Ordinal));
        var layers = files.Layout == Seq2SeqDecoderLayout.NoCache ? 0
            : crossCached ? cached.InputMetadata.Keys.Count(k => k.StartsWith("past_key_values.", StringComparison.Ordinal) && k.EndsWith(".decoder.key", StringComparison.Ordinal))
            : cached.InputMetadata.Keys.Count(k => k.StartsWith("past_key_values.", StringComparison.Ordinal) && k.EndsWith(".key", StringComparison.Ordinal) && k.Count(c => c == '.') == 2);
        if (files.Layout != Seq2SeqDecoderLayout.NoCache && layers == 0)
        {
            throw EngineException.NotSupported(Fail("its cached decoder takes no past_key_values.*.decoder.key (nor past_key_values.*.key) inputs"));
        }

        if (layers > 0 && !crossCached && !cached.InputMetadata.ContainsKey("encoder_hidden_states"))
        {
            throw EngineException.NotSupported(Fail("its cached decoder keeps no cross-attention cache (past_key_values.*.encoder.*) and takes no encoder_hidden_states"));
        }

        Layers = layers;
        PastDecoder = new string[2 * layers];
        PastEncoder = new string[crossCached ? 2 * layers : 0];
        for (var i = 0; i < layers; i++)
        {
            for (var k = 0; k < 2; k++)
            {
                var part = k == 0 ? "key" : "value";
                PastDecoder[(2 * i) + k] = crossCached ? $"past_key_values.{i}.decoder.{part}" : $"past_key_values.{i}.{part}";
                if (crossCached)
                {
                    PastEncoder[(2 * i) + k] = $"past_key_values.{i}.encoder.{part}";
                }

                if (!cached.InputMetadata.ContainsKey(PastDecoder[(2 * i) + k]))
                {
                    throw EngineException.NotSupported(Fail($"its cached decoder lacks {PastDecoder[(2 * i) + k]}"));
                }
            }
        }

        var logits = decoder.OutputMetadata["logits"];
        LogitsType = logits.ElementDataType;
        var vocabulary = logits.Dimensions.Length > 0 && logits.Dimensions[^1] > 0 ? logits.Dimensions[^1] : config.VocabularySize;
        if (vocabulary <= 0)
        {
            throw EngineException.NotSupported(Fail("neither the logits output nor config.json states the vocabulary size"));
        }

        Heads = config.DecoderHeads;
        HeadDim = config.HeadDim;
        if (layers > 0)
        {
            var dims = cached.InputMetadata[PastDecoder[0]].Dimensions;
            Heads = dims.Length == 4 && dims[1] > 0 ? dims[1] : Heads;
            HeadDim = dims.Length == 4 && dims[3] > 0 ? dims[3] : HeadDim;
            if (Heads <= 0 || HeadDim <= 0)
            {
                throw EngineException.NotSupported(Fail("config.json states no decoder heads and head size (decoder_attention_heads and d_model, or num_heads and d_kv)"));
            }
        }

        Info = config.Info with { VocabularySize = vocabulary };
    }

    /// <inheritdoc />
    public ModelDescriptor Model { get; }

    /// <summary>The files loaded.</summary>
    public Seq2SeqFiles Files { get; }

    /// <summary>The model's configuration.</summary>
    public Seq2SeqModelConfig Configuration { get; }

    /// <inheritdoc />
    public ITextTokenizer Tokenizer { get; }

    /// <inheritdoc />
    public Seq2SeqModelInfo Info { get; }

    /// <inheritdoc />
    public Seq2SeqSourceKind SourceKind { get; }

    /// <inheritdoc />
    public IReadOnlyList<int> SourceShape { get; }

    /// <summary>Decoder layers whose caches are fed back (0 without a cache).</summary>
    public int Layers { get; }

    /// <summary>Heads of a cache tensor.</summary>
    public int Heads { get; }

    /// <summary>Width of a cached head.</summary>
    public int HeadDim { get; }

    /// <summary>How the instance sizes its threads: the budget, the wide sessions of a lone request, the shared ones.</summary>
    public OnnxThreadPlan ThreadPlan => _budget.Plan;

    /// <summary>The ONNX Runtime sessions each graph has: 2 with wide sessions for a lone request, else 1.</summary>
    public int SessionsPerGraph => _encoder.Count;

    /// <summary>
    /// Bytes of weights each graph's sessions hold once between them (<see cref="OnnxRuntimeOptions.ShareWeights"/>, with
    /// a wide session beside the shared one); 0 with one session per graph, or when every session holds its own.
    /// </summary>
    public long SharedWeightBytes => _encoder.SharedWeightBytes + _decoder.SharedWeightBytes + (_decoderWithPast?.SharedWeightBytes ?? 0);

    /// <summary>Requests open on the instance: encoding, or decoding until their <see cref="ISeq2SeqDecoding"/> is disposed.</summary>
    public int OpenRequests => Volatile.Read(ref _open);

    /// <summary>The gate of every run (for tests: the threads in use never exceed the plan's budget).</summary>
    internal OnnxThreadBudget Budget => _budget;

    /// <summary>The shared encoder session (for its metadata).</summary>
    internal InferenceSession Encoder { get; }

    /// <summary>The shared merged or first-step decoder session (for its metadata).</summary>
    internal InferenceSession Decoder { get; }

    /// <summary>The shared cached-step decoder session of the split layout (for its metadata).</summary>
    internal InferenceSession? DecoderWithPast { get; }

    internal string EncoderOutput { get; }

    /// <summary>The encoder input that carries the source: <c>input_ids</c>, <c>input_features</c> or <c>pixel_values</c>.</summary>
    internal string SourceInput { get; }

    internal string[] PastDecoder { get; }

    internal string[] PastEncoder { get; }

    internal TensorElementType LogitsType { get; }

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <inheritdoc />
    public async ValueTask<ISeq2SeqDecoding> EncodeAsync(ReadOnlyMemory<int> source, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (SourceKind != Seq2SeqSourceKind.Text)
        {
            throw EngineException.NotSupported($"The model {Model.Id} reads {SourceInput}, not text; give it {(SourceKind == Seq2SeqSourceKind.Pixels ? "an image" : "audio")}.");
        }

        if (source.IsEmpty || source.Length > Info.MaxSourceLength)
        {
            throw EngineException.BadInput($"The source has {source.Length} tokens; this model reads 1 to {Info.MaxSourceLength}.");
        }

        for (var i = 0; i < source.Length; i++)
        {
            var id = source.Span[i];
            if ((uint)id >= (uint)Info.VocabularySize)
            {
                throw EngineException.BadInput($"Token id {id} is outside the vocabulary (0..{Info.VocabularySize - 1}).");
            }
        }

        var ids = source.ToArray();
        using var runOptions = new RunOptions();
        var names = Encoder.InputMetadata.Keys.ToArray();
        var inputs = new OrtValue[names.Length];
        try
        {
            for (var i = 0; i < names.Length; i++)
            {
                var type = Encoder.InputMetadata[names[i]].ElementDataType;
                inputs[i] = names[i] == "input_ids"
                    ? Seq2SeqTensors.Ids(type, 1, ids.Length, (_, c) => ids[c])
                    : Seq2SeqTensors.Ids(type, 1, ids.Length, static (_, _) => 1);
            }

            return await RunEncoderAsync(runOptions, names, inputs, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var input in inputs)
            {
                input?.Dispose();
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<ISeq2SeqDecoding> EncodeAsync(ReadOnlyMemory<float> values, IReadOnlyList<int> shape, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (SourceKind == Seq2SeqSourceKind.Text)
        {
            throw EngineException.NotSupported($"The model {Model.Id} reads text (input_ids), not {(shape.Count == 3 ? "an image" : "audio features")}.");
        }

        var expected = string.Join(", ", SourceShape.Select(d => d == 0 ? "any" : d.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var given = string.Join(", ", shape);
        var matches = shape.Count == SourceShape.Count;
        long count = 1;
        for (var i = 0; matches && i < shape.Count; i++)
        {
            matches = shape[i] > 0 && (SourceShape[i] == 0 || SourceShape[i] == shape[i]);
            count *= shape[i];
        }

        if (!matches || count != values.Length)
        {
            throw EngineException.BadInput(
                $"The model {Model.Id} reads {SourceInput} of one row shaped [{expected}]; got [{given}] with {values.Length} values.");
        }

        if (!AllFinite(values.Span))
        {
            throw EngineException.BadInput($"The {SourceInput} hold a value that is not a finite number.");
        }

        using var runOptions = new RunOptions();
        var names = Encoder.InputMetadata.Keys.ToArray();
        var inputs = new OrtValue[names.Length];
        try
        {
            var dims = new long[shape.Count + 1];
            dims[0] = 1;
            for (var i = 0; i < shape.Count; i++)
            {
                dims[i + 1] = shape[i];
            }

            for (var i = 0; i < names.Length; i++)
            {
                if (names[i] == SourceInput)
                {
                    inputs[i] = OrtValue.CreateTensorValueFromMemory(values.ToArray(), dims);
                }
                else
                {
                    // An attention mask over the frames (Whisper exports that declare one): every frame is real.
                    var frames = shape[^1];
                    inputs[i] = Seq2SeqTensors.Ids(Encoder.InputMetadata[names[i]].ElementDataType, 1, frames, static (_, _) => 1);
                }
            }

            return await RunEncoderAsync(runOptions, names, inputs, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var input in inputs)
            {
                input?.Dispose();
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _encoder.Dispose();
            _decoder.Dispose();
            _decoderWithPast?.Dispose();
        }
    }

    /// <summary>
    /// Runs <paramref name="shared"/> (the shared session of a graph: <see cref="Encoder"/>, <see cref="Decoder"/> or
    /// <see cref="DecoderWithPast"/>) within the thread budget: on the graph's wide session when this is the only open
    /// request and the budget is free, else on the shared one, after waiting for room.
    /// </summary>
    internal async ValueTask<IDisposableReadOnlyCollection<OrtValue>> RunAsync(
        InferenceSession shared, RunOptions runOptions, string[] names, OrtValue[] inputs, IReadOnlyCollection<string> outputNames,
        CancellationToken cancellationToken)
    {
        var pool = ReferenceEquals(shared, Encoder) ? _encoder : ReferenceEquals(shared, Decoder) ? _decoder : _decoderWithPast!;
        using var grant = await _budget.AcquireAsync(lone: OpenRequests <= 1, cancellationToken).ConfigureAwait(false);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var session = grant.Lone ? pool.Sessions[1].Session : shared;
        return Seq2SeqTensors.Run(session, runOptions, names, inputs, outputNames, cancellationToken);
    }

    /// <summary>A decoding of this instance ended: one request fewer is open.</summary>
    internal void Closed() => Interlocked.Decrement(ref _open);

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (var v in values)
        {
            if (!float.IsFinite(v))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Runs the encoder on prepared inputs and starts a decoding over its output (one row). The request counts as open
    /// from here until the decoding is disposed (or the encoder fails).
    /// </summary>
    private async ValueTask<ISeq2SeqDecoding> RunEncoderAsync(RunOptions runOptions, string[] names, OrtValue[] inputs, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _open);
        OrtValue? hidden = null;
        try
        {
            using var outputs = await RunAsync(Encoder, runOptions, names, inputs, [EncoderOutput], cancellationToken).ConfigureAwait(false);
            var shape = outputs[0].GetTensorTypeAndShape().Shape;
            if (shape.Length != 3 || shape[0] != 1 || shape[1] <= 0)
            {
                throw new EngineException(EngineErrorKind.Internal, $"The encoder of {Model.Id} returned {EncoderOutput} shaped [{string.Join(", ", shape)}]; expected [1, positions, hidden].");
            }

            hidden = Seq2SeqTensors.CopyRows(outputs[0], [0]);
            return new OnnxSeq2SeqDecoding(this, hidden, (int)shape[1]);
        }
        catch
        {
            hidden?.Dispose();
            Closed();
            throw;
        }
    }
}
