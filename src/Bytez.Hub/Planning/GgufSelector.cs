using System.Text.RegularExpressions;

namespace Bytez.Hub.Planning;

/// <summary>One GGUF model of a repository: a single file, or every part of a split model.</summary>
/// <param name="Parts">The files, first part first.</param>
/// <param name="SplitTotal">For a split model, the part count its names state; 0 for a single file.</param>
internal sealed record GgufModel(IReadOnlyList<HubFile> Parts, int SplitTotal)
{
    /// <summary>The file llama.cpp opens (the first part of a split model).</summary>
    public HubFile First => Parts[0];

    /// <summary>Whether every part of a split model is in the repository.</summary>
    public bool IsComplete => SplitTotal == 0 || (Parts.Count == SplitTotal && Parts[0].Path.Contains("-00001-of-", StringComparison.OrdinalIgnoreCase));
}

/// <summary>
/// Picks the GGUF model of a repository by quantization name. Multimodal projectors (<c>mmproj*.gguf</c>) are not
/// models, as in <c>FindGgufFile</c> of src/Bytez.Engine.LlamaCpp/LlamaCppRuntime.cs; split models
/// (<c>name-00001-of-00003.gguf</c>) are one model of several parts, loaded from the first.
/// </summary>
internal static partial class GgufSelector
{
    /// <summary>The GGUF models of a repository, in a stable order (root folder first, then by path).</summary>
    public static IReadOnlyList<GgufModel> Models(IEnumerable<HubFile> files)
    {
        var groups = new Dictionary<string, List<HubFile>>(StringComparer.Ordinal);
        var totals = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            if (!IsModelFile(file.Path))
            {
                continue;
            }

            var split = SplitPart().Match(file.Path);
            var key = split.Success ? split.Groups["prefix"].Value + "-of-" + split.Groups["total"].Value : file.Path;
            if (!groups.TryGetValue(key, out var parts))
            {
                groups[key] = parts = [];
                totals[key] = split.Success ? int.Parse(split.Groups["total"].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
            }

            parts.Add(file);
        }

        return groups
            .Select(g => new GgufModel(g.Value.OrderBy(f => f.Path, StringComparer.Ordinal).ToList(), totals[g.Key]))
            .OrderBy(m => m.First.Path.Count(c => c == '/'))
            .ThenBy(m => m.First.Path, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Whether a repository path is a GGUF model file (not a multimodal projector).</summary>
    public static bool IsModelFile(string path) =>
        path.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase)
        && !FileName(path).StartsWith("mmproj", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether a model's path names a quantization: the name, case-insensitive, after the start or a <c>-</c>,
    /// <c>.</c>, <c>_</c> or <c>/</c>, and before the end or a <c>-</c>, <c>.</c> or <c>/</c> (so <c>Q4_K_M</c> does not match
    /// <c>IQ4_K_M</c>, and <c>Q4_K</c> does not match <c>Q4_K_M</c>).
    /// </summary>
    public static bool Matches(GgufModel model, string quantization)
    {
        var pattern = new Regex(
            @"(?:^|(?<=[-._/]))" + Regex.Escape(quantization) + @"(?=$|[-./])",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant,
            TimeSpan.FromSeconds(1));
        return pattern.IsMatch(model.First.Path);
    }

    /// <summary>The quantization a model's file name states (for example <c>Q4_K_M</c>, <c>F16</c>), or its file name when none is recognisable.</summary>
    public static string QuantizationOf(GgufModel model)
    {
        var name = FileName(model.First.Path);
        var split = SplitPart().Match(name);
        var stem = split.Success ? split.Groups["prefix"].Value : name[..^".gguf".Length];

        var matches = QuantizationName().Matches(stem);
        return matches.Count > 0 ? matches[^1].Value.ToUpperInvariant() : name;
    }

    private static string FileName(string path) => path[(path.LastIndexOf('/') + 1)..];

    [GeneratedRegex(@"^(?<prefix>.*)-(?<part>\d{5})-of-(?<total>\d{5})\.gguf$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SplitPart();

    [GeneratedRegex(@"(?<![A-Za-z0-9])(?:I?Q[1-8](?:_[A-Z0-9]+)*|TQ[0-9]_[0-9]|MXFP4(?:_MOE)?|BF16|F16|F32|FP16|FP32)(?![A-Za-z0-9])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex QuantizationName();
}
