namespace Bytez.Hub.Planning;

/// <summary>
/// The Bytez tasks this server refuses by design, because their models cannot run on a CPU in reasonable time, with
/// the reason a user is told when requesting such a model. Every other Bytez task either runs or is not built yet.
/// </summary>
public static class NotOnCpuTasks
{
    private static readonly Dictionary<string, string> Reasons = new(StringComparer.Ordinal)
    {
        ["text-to-image"] = "diffusion models take minutes per image on a CPU and need gigabytes of weights",
        ["unconditional-image-generation"] = "diffusion and GAN models of this kind take minutes per image on a CPU",
        ["text-to-video"] = "video diffusion models take hours per clip on a CPU",
        ["mask-generation"] = "SAM's automatic mask generation runs its decoder over a 32×32 grid of points, minutes per image on a CPU",
    };

    /// <summary>The tasks refused by design, in name order.</summary>
    public static IReadOnlyList<string> Tasks { get; } = [.. Reasons.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Why a task is refused, or <see langword="null"/> when it is not one of these.</summary>
    public static string? ReasonFor(string task) => Reasons.GetValueOrDefault(task);
}
