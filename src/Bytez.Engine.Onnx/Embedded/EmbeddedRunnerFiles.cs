namespace Bytez.Engine.Onnx.Embedded;

/// <summary>Finds the files of an embedded model's folder for its runner.</summary>
internal static class EmbeddedRunnerFiles
{
    /// <summary>The full path of <paramref name="relativePath"/> (with <c>/</c>) in the folder.</summary>
    /// <exception cref="EngineException">The file is not there (NotFound, naming it).</exception>
    public static string Require(string modelFolder, string relativePath)
    {
        var path = Path.Combine(modelFolder, relativePath.Replace('/', Path.DirectorySeparatorChar));
        return File.Exists(path) ? path : throw EngineException.NotFound($"The model folder {modelFolder} has no {relativePath}.");
    }
}
