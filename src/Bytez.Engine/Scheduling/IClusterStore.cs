namespace Bytez.Engine.Scheduling;

/// <summary>
/// Durable storage of the clusters users configured (<see cref="ClusterSettings"/>), so that a restart brings them
/// back. The scheduler saves the whole set after each change; it is small (one entry per configured model).
/// </summary>
public interface IClusterStore
{
    /// <summary>The stored clusters; empty when none were stored.</summary>
    IReadOnlyList<ClusterSettings> Load();

    /// <summary>Replaces the stored clusters with <paramref name="clusters"/>; on disk when the call returns.</summary>
    void Save(IReadOnlyList<ClusterSettings> clusters);
}
