using Bytez.Media;

namespace Bytez.Engine.Media;

/// <summary>
/// The one translation of a decoder's <see cref="MediaException"/> into the <see cref="EngineException"/> a client
/// sees: Malformed → BadInput (400), TooLarge → TooLarge (413), Unsupported → UnsupportedMediaType (415). Every caller
/// of a decoder goes through it.
/// </summary>
public static class MediaErrors
{
    /// <summary>
    /// The engine error of a media error; <paramref name="source"/> (a <see cref="MediaInput.Source"/>) is put in front
    /// of the message when given, so the client knows which input was wrong.
    /// </summary>
    public static EngineException From(MediaException error, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(error);
        var kind = error.Kind switch
        {
            MediaErrorKind.TooLarge => EngineErrorKind.TooLarge,
            MediaErrorKind.Unsupported => EngineErrorKind.UnsupportedMediaType,
            _ => EngineErrorKind.BadInput,
        };
        var message = string.IsNullOrEmpty(source) ? error.Message : $"The media in {source}: {error.Message}";
        return new EngineException(kind, message, error);
    }

    /// <summary>
    /// Runs a decoder on one input and returns what it decoded; a <see cref="MediaException"/> it throws becomes the
    /// engine error of <see cref="From"/>, naming the input.
    /// </summary>
    /// <exception cref="EngineException">The decoder refused the input.</exception>
    public static T Decode<T>(MediaInput input, Func<byte[], T> decode)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(decode);
        try
        {
            return decode(input.Data);
        }
        catch (MediaException e)
        {
            throw From(e, input.Source);
        }
    }
}
